using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Torch;

/// <summary>
/// TorchSharp's AdamW with the same arithmetic in the same order on the same state, so its updates are bit-identical
/// (tested), but with every scalar argument held alive across its native call. TorchSharp's optimizer files record the
/// type name: a state saved by this optimizer loads into this optimizer only. TorchSharp 0.107's
/// <c>AdamW.step()</c> passes about eight implicitly converted scalars per parameter per step, each of which a GC can
/// finalize while libtorch reads it (<see cref="Scalars"/> explains the race). Use <see cref="Create(IEnumerable{Parameter}, double, double, double, double, double)"/>
/// where <c>torch.optim.AdamW</c> was used. AMSGrad and maximize are not supported (nothing here uses them).
/// </summary>
public sealed class ScalarSafeAdamW : AdamW
{
    private ScalarSafeAdamW(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay)
        : base(groups, lr, beta1, beta2, eps, weightDecay, amsgrad: false, maximize: false)
    {
    }

    /// <summary>One parameter group, as <c>torch.optim.AdamW(parameters, lr, beta1, beta2, eps, weight_decay)</c>.</summary>
    public static ScalarSafeAdamW Create(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) =>
        new([new ParamGroup(parameters, lr, beta1, beta2, eps, weightDecay)], lr, beta1, beta2, eps, weightDecay);

    /// <summary>Several parameter groups (e.g. with and without weight decay); unset options take these defaults.</summary>
    public static ScalarSafeAdamW Create(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) =>
        new(groups, lr, beta1, beta2, eps, weightDecay);

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        if (options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("ScalarSafeAdamW implements plain AdamW (no AMSGrad, no maximize).");
        var (beta1, beta2, weightDecay, eps, lr) = (options.beta1!.Value, options.beta2!.Value, options.weight_decay!.Value, options.eps!.Value, options.LearningRate!.Value);
        using var decay = (1 - lr * weightDecay).ToScalar();
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsScalar = eps.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;

            // Decoupled weight decay, then the moment updates and the bias-corrected step (AdamW, Loshchilov & Hutter).
            param.mul_(decay);
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, value: oneMinusBeta2);
            using var correction2 = Math.Sqrt(biasCorrection2).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div(correction2).add_(epsScalar, Scalars.One);
            using var stepSize = (-(lr / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
