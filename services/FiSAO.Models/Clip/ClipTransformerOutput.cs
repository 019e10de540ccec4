using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// HF <c>BaseModelOutputWithPooling</c>: last hidden state [B, T, D], pooled output [B, D], and optionally
/// <c>hidden_states</c> (encoder input then each layer's output, NumLayers + 1 tensors).
/// </summary>
public sealed record ClipTransformerOutput(Tensor LastHiddenState, Tensor PooledOutput, IReadOnlyList<Tensor>? HiddenStates = null)
{
    /// <summary>Moves every tensor of this output to the enclosing dispose scope.</summary>
    public ClipTransformerOutput MoveToOuterDisposeScope()
    {
        // The last hidden state is also the last entry of HiddenStates; moving it twice would lift it two scopes up.
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var t in HiddenStates is null ? [LastHiddenState, PooledOutput] : HiddenStates.Append(LastHiddenState).Append(PooledOutput))
            if (seen.Add(t)) t.MoveToOuterDisposeScope();
        return this;
    }
}
