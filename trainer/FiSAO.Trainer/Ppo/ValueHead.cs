using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// The critic of gae mode: one linear layer on the language model's last hidden state (TRL's value head), in fp32 over a
/// possibly half-precision policy. V_t is read at the position that predicts y_t, i.e. the state before the token. It
/// trains with the LoRA adapters; the base model stays frozen, so the critic shares the policy's features without a
/// second copy of the weights.
/// </summary>
public sealed class ValueHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear summary;
#pragma warning restore IDE1006

    public ValueHead(long hiddenSize, Device device) : base(nameof(ValueHead))
    {
        summary = nn.Linear(hiddenSize, 1, hasBias: true, device: device, dtype: ScalarType.Float32);
        using (no_grad())
        {
            // Small weights, zero bias: V starts near 0, the return of a token with no reward.
            nn.init.normal_(summary.weight!, 0, 1.0 / Math.Sqrt(hiddenSize + 1));
            nn.init.zeros_(summary.bias!);
        }
        RegisterComponents();
    }

    /// <summary>[B, T, hidden] -> [B, T] fp32.</summary>
    public override Tensor forward(Tensor hidden) => summary.forward(hidden.to(ScalarType.Float32)).squeeze(-1);
}
