using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// A module whose linear projections can be swapped in place (to wrap them in <see cref="LoraLinear"/>), keeping the
/// child's name, so module paths (and HF/PEFT key names) do not change.
/// </summary>
public interface ILinearContainer
{
    /// <summary>Child names of the replaceable projections, e.g. q_proj, k_proj, v_proj, o_proj.</summary>
    IReadOnlyList<string> LinearNames { get; }

    nn.Module<Tensor, Tensor> GetLinear(string name);

    void SetLinear(string name, nn.Module<Tensor, Tensor> module);
}
