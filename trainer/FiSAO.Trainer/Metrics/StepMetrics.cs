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

    public static readonly string[] Columns =
    [
        "step", "data_position", "reward_mean", "kl", "total_reward_mean", "policy_loss", "value_loss", "clip_fraction",
        "entropy", "approx_kl", "updates", "early_stopped", "mentions", "hallucinated", "hallucination_rate", "response_length", "seconds",
    ];

    public string ToCsv() => string.Join(',', new object[]
    {
        Step, DataPosition, F(RewardMean), F(Kl), F(TotalRewardMean), F(PolicyLoss), F(ValueLoss), F(ClipFraction), F(Entropy), F(ApproxKl),
        Updates, EarlyStopped ? 1 : 0, Mentions, Hallucinated, F(HallucinationRate), F(ResponseLength), Seconds.ToString("F3", CultureInfo.InvariantCulture),
    }.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture)));

    /// <summary>The values TensorBoard gets (tag, value).</summary>
    public IEnumerable<(string Tag, double Value)> Scalars() =>
    [
        ("reward/mean", RewardMean), ("reward/total_mean", TotalRewardMean), ("objective/kl", Kl), ("ppo/policy_loss", PolicyLoss),
        ("ppo/value_loss", ValueLoss), ("ppo/clip_fraction", ClipFraction), ("ppo/entropy", Entropy), ("ppo/approx_kl", ApproxKl),
        ("ppo/updates", Updates), ("hallucination/mentions", Mentions), ("hallucination/hallucinated", Hallucinated),
        ("hallucination/rate", HallucinationRate), ("rollout/response_length", ResponseLength), ("time/step_seconds", Seconds),
    ];

    // Round-trip precision: a resumed run's rows compare equal to the uninterrupted run's.
    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
