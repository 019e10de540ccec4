using System.Globalization;

namespace FiSAO.Trainer.Metrics;

/// <summary>What one PPO step measured (one CSV row, one TensorBoard point per field).</summary>
public sealed record StepMetrics
{
    /// <summary>1-based: the number of steps done after this one.</summary>
    public int Step { get; init; }

    /// <summary>Data position of the step's first sample (steps x batch size before it).</summary>
    public long DataPosition { get; init; }

    /// <summary>Mean over responses of sum_t r_t (the verifier's token rewards, before the KL penalty).</summary>
    public double RewardMean { get; init; }

    /// <summary>Mean over responses of sum_t (log pi_theta(y_t) - log pi_ref(y_t)) at rollout time.</summary>
    public double Kl { get; init; }

    /// <summary>Mean over responses of sum_t R_t = r_t - xi KL_t.</summary>
    public double TotalRewardMean { get; init; }

    public double PolicyLoss { get; init; }
    public double ValueLoss { get; init; }
    public double ClipFraction { get; init; }

    /// <summary>Mean per-token entropy of pi_theta over the response tokens (nats).</summary>
    public double Entropy { get; init; }

    /// <summary>Mean over minibatches of the approximate KL(pi_old || pi_theta).</summary>
    public double ApproxKl { get; init; }

    /// <summary>Optimiser steps taken (PPO epochs x minibatches, fewer after an early stop).</summary>
    public int Updates { get; init; }
    public bool EarlyStopped { get; init; }

    /// <summary>Object mentions the verifier found in the responses, and those with a negative reward.</summary>
    public int Mentions { get; init; }
    public int Hallucinated { get; init; }
    public double HallucinationRate => Mentions == 0 ? 0 : (double)Hallucinated / Mentions;

    public double ResponseLength { get; init; }
    public double Seconds { get; init; }

    /// <summary>Where the step's wall time went: generating rollouts, waiting for the verifier (scoring not hidden behind
    /// generation), pi_ref log-probs (and V_old), and the PPO update.</summary>
    public double GenerateSeconds { get; init; }
    public double VerifierWaitSeconds { get; init; }
    public double ReferenceSeconds { get; init; }
    public double UpdateSeconds { get; init; }

    /// <summary>The wall-time columns, last in each row: everything before them repeats exactly in a resumed run.</summary>
    public const int TimeColumns = 5;

    public static readonly string[] Columns =
    [
        "step", "data_position", "reward_mean", "kl", "total_reward_mean", "policy_loss", "value_loss", "clip_fraction",
        "entropy", "approx_kl", "updates", "early_stopped", "mentions", "hallucinated", "hallucination_rate", "response_length", "seconds",
        "generate_seconds", "verifier_wait_seconds", "reference_seconds", "update_seconds",
    ];

    public string ToCsv() => string.Join(',', new object[]
    {
        Step, DataPosition, F(RewardMean), F(Kl), F(TotalRewardMean), F(PolicyLoss), F(ValueLoss), F(ClipFraction), F(Entropy), F(ApproxKl),
        Updates, EarlyStopped ? 1 : 0, Mentions, Hallucinated, F(HallucinationRate), F(ResponseLength), T(Seconds), T(GenerateSeconds), T(VerifierWaitSeconds), T(ReferenceSeconds), T(UpdateSeconds),
    }.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture)));

    /// <summary>The values TensorBoard gets (tag, value).</summary>
    public IEnumerable<(string Tag, double Value)> Scalars() =>
    [
        ("reward/mean", RewardMean), ("reward/total_mean", TotalRewardMean), ("objective/kl", Kl), ("ppo/policy_loss", PolicyLoss),
        ("ppo/value_loss", ValueLoss), ("ppo/clip_fraction", ClipFraction), ("ppo/entropy", Entropy), ("ppo/approx_kl", ApproxKl),
        ("ppo/updates", Updates), ("hallucination/mentions", Mentions), ("hallucination/hallucinated", Hallucinated),
        ("hallucination/rate", HallucinationRate), ("rollout/response_length", ResponseLength), ("time/step_seconds", Seconds),
        ("time/generate_seconds", GenerateSeconds), ("time/verifier_wait_seconds", VerifierWaitSeconds), ("time/reference_seconds", ReferenceSeconds),
        ("time/update_seconds", UpdateSeconds),
    ];

    // Round-trip precision: a resumed run's rows compare equal to the uninterrupted run's.
    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static string T(double seconds) => seconds.ToString("F3", CultureInfo.InvariantCulture);
}
