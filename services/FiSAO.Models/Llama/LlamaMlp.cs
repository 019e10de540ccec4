using FiSAO.Models.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>HF <c>LlamaMLP</c> (SwiGLU): down_proj(silu(gate_proj(x)) * up_proj(x)); projections replaceable for LoRA.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>, ILinearContainer
{
    private static readonly string[] Names = ["gate_proj", "up_proj", "down_proj"];

#pragma warning disable IDE1006
    private nn.Module<Tensor, Tensor> gate_proj;
    private nn.Module<Tensor, Tensor> up_proj;
    private nn.Module<Tensor, Tensor> down_proj;
#pragma warning restore IDE1006

    public LlamaMlp(LlamaConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias, device: device, dtype: dtype);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias, device: device, dtype: dtype);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    public IReadOnlyList<string> LinearNames => Names;

    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "gate_proj" => gate_proj,
        "up_proj" => up_proj,
        "down_proj" => down_proj,
        _ => throw new ArgumentException($"LlamaMlp has no projection '{name}'.", nameof(name)),
    };

    public void SetLinear(string name, nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _ = GetLinear(name);
        register_module(name, null!);
        switch (name)
        {
            case "gate_proj": gate_proj = module; break;
            case "up_proj": up_proj = module; break;
            default: down_proj = module; break;
        }
        register_module(name, module);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(h).MoveToOuterDisposeScope();
    }
}
