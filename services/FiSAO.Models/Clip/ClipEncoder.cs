using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPEncoder</c>: a stack of <see cref="ClipEncoderLayer"/> under <c>layers.N</c>, no final norm.</summary>
public sealed class ClipEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly ModuleList<ClipEncoderLayer> layers;
#pragma warning restore IDE1006

    public ClipEncoder(int numLayers, Func<ClipEncoderLayer> createLayer) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, numLayers).Select(_ => createLayer()).ToArray());
        RegisterComponents();
    }

    public int NumLayers => layers.Count;

    /// <summary>The layers' dtype: the input's unless <see cref="CastLayers"/> changed it.</summary>
    public ScalarType? LayerDType { get; private set; }

    /// <summary>
    /// Runs every layer in <paramref name="dtype"/> (<see cref="ClipPrecision"/>): the input is cast to it on the way in
    /// and the output back to the input's dtype on the way out, so what surrounds the encoder keeps its precision.
    /// </summary>
    public void CastLayers(ScalarType dtype)
    {
        layers.to(dtype);
        LayerDType = dtype;
    }

    public override Tensor forward(Tensor inputsEmbeds, Tensor? additiveMask) => Forward(inputsEmbeds, additiveMask, null);

    /// <summary>
    /// Runs all layers. When <paramref name="hiddenStates"/> is given it receives HF's <c>hidden_states</c>:
    /// the encoder input followed by each layer's output (NumLayers + 1 tensors), so [^2] is the penultimate layer.
    /// </summary>
    public Tensor Forward(Tensor inputsEmbeds, Tensor? additiveMask, List<Tensor>? hiddenStates)
    {
        var h = LayerDType is { } dtype && dtype != inputsEmbeds.dtype ? inputsEmbeds.to(dtype) : inputsEmbeds;
        hiddenStates?.Add(h);
        foreach (var layer in layers)
        {
            var next = layer.forward(h, additiveMask);
            // Free each intermediate as soon as it is consumed unless the caller keeps them all.
            if (hiddenStates is null && !ReferenceEquals(h, inputsEmbeds)) h.Dispose();
            h = next;
            hiddenStates?.Add(h);
        }
        return h.dtype == inputsEmbeds.dtype ? h : h.to(inputsEmbeds.dtype);
    }
}
