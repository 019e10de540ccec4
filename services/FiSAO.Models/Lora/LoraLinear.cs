using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// PEFT's <c>lora.Linear</c> for one adapter: y = base_layer(x) + lora_B(lora_A(dropout(x))) * alpha / r, with
/// <c>base_layer</c> the frozen original <see cref="Linear"/>, lora_A [r, in] kaiming-uniform(a = sqrt 5) as PEFT
/// initialises it, lora_B [out, r] zeros (so a fresh adapter changes nothing). The adapter runs in its own dtype
/// (fp32 over a half-precision base); the sum is formed in that dtype and cast back to the base output's dtype, as
/// PEFT does. With <see cref="Enabled"/> false the layer is exactly <c>base_layer</c>.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear base_layer;
    private readonly Linear lora_A;
    private readonly Linear lora_B;
    private readonly Dropout? lora_dropout;
#pragma warning restore IDE1006

    private readonly Scalar _scaling; // Scaling as a Float64 scalar; disposed with the module

    public LoraLinear(Linear baseLayer, int rank, double alpha, double dropout, ScalarType adapterDType, Generator? initGenerator = null)
        : base(nameof(LoraLinear))
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank));
        base_layer = baseLayer;
        var weight = baseLayer.weight!;
        InFeatures = weight.shape[1];
        OutFeatures = weight.shape[0];
        Rank = rank;
        Scaling = alpha / rank;
        _scaling = Scaling.ToScalar();
        var device = weight.device;
        lora_A = nn.Linear(InFeatures, rank, hasBias: false, device: device, dtype: adapterDType);
        lora_B = nn.Linear(rank, OutFeatures, hasBias: false, device: device, dtype: adapterDType);
        if (dropout > 0) lora_dropout = nn.Dropout(dropout);
        RegisterComponents();

        using (torch.no_grad())
        {
            // PEFT: nn.init.kaiming_uniform_(lora_A.weight, a=math.sqrt(5)); gain sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in)
            // = 1 / sqrt(fan_in). Drawn on the CPU from a seeded generator so the initialisation is reproducible anywhere.
            var bound = 1.0 / Math.Sqrt(InFeatures);
            using var a = torch.rand([rank, InFeatures], ScalarType.Float32, generator: initGenerator);
            using var width = (2 * bound).ToScalar();
            using var low = bound.ToScalar();
            using var stretched = a * width;
            using var scaled = stretched - low;
            lora_A.weight!.copy_(scaled);
            lora_B.weight!.zero_();
        }
        foreach (var p in base_layer.parameters()) p.requires_grad = false;
    }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    public int Rank { get; }

    public double Scaling { get; }

    /// <summary>False: forward is exactly the base layer (the reference policy).</summary>
    public bool Enabled { get; set; } = true;

    public Linear BaseLayer => base_layer;

    public Parameter LoraA => lora_A.weight!;

    public Parameter LoraB => lora_B.weight!;

    public override Tensor forward(Tensor x)
    {
        var result = base_layer.forward(x);
        if (!Enabled) return result;
        using var scope = torch.NewDisposeScope();
        var adapterType = lora_A.weight!.dtype;
        var h = x.to(adapterType);
        if (lora_dropout is not null) h = lora_dropout.forward(h);
        var delta = lora_B.forward(lora_A.forward(h)) * _scaling;
        var sum = result.to(adapterType).add(delta, Scalars.One).to(result.dtype);
        result.Dispose();
        return sum.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scaling.Dispose();
        base.Dispose(disposing);
    }
}
