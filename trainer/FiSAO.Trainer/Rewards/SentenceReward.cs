using FiSAO.Models.Llava;
using FiSAO.Trainer.Rollouts;

namespace FiSAO.Trainer.Rewards;

/// <summary>
/// The sentence-level reward of the Table 4 ablation, beside FiSAO's token reward: S = cos(E_text(response),
/// E_image(v)) from the verifier's Embed RPCs, normalised with a running mean and standard deviation (PPO reward
/// scaling) and clipped to [-1, 1], placed on the response's last token. Mentions (and their verdicts) still come from
/// the token-level verifier, for the metrics only. Owns <paramref name="tokens"/>.
/// </summary>
public sealed class SentenceReward(VerifierReward tokens, double momentum) : IRewardSource
{
    /// <summary>Running mean / variance of sentence scores; part of the checkpoint.</summary>
    public (double Mean, double Variance, long Count) Statistics { get; set; } = (0, 1, 0);

    public IReadOnlyList<ResponseRewards> Score(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses) =>
        // Blocking on purpose, as VerifierReward.Score.
        ScoreAsync(samples, responses).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<ResponseRewards>> ScoreAsync(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses,
        CancellationToken cancellationToken = default)
    {
        var scored = await tokens.ScoreAsync(samples, responses, cancellationToken).ConfigureAwait(false);
        var sentence = new List<ResponseRewards>(scored.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var image = await tokens.Client.EmbedImageAsync(samples[i].Image, cancellationToken).ConfigureAwait(false);
            var text = responses[i].Text ?? string.Concat(responses[i].Pieces!).Replace('\u2581', ' ');
            var textEmbedding = await tokens.Client.EmbedTextAsync(string.IsNullOrWhiteSpace(text) ? "." : text.Trim(), cancellationToken).ConfigureAwait(false);
            var s = Cosine(image.Embedding, textEmbedding.Embedding);
            var rewards = new float[responses[i].TokenIds.Count];
            rewards[^1] = (float)Normalise(s);
            sentence.Add(new ResponseRewards(rewards, scored[i].Mentions));
        }
        return sentence;
    }

    private double Normalise(double s)
    {
        var (mean, variance, count) = Statistics;
        if (count == 0) (mean, variance) = (s, 1e-4);
        else
        {
            var delta = s - mean;
            mean += (1 - momentum) * delta;
            variance = momentum * variance + (1 - momentum) * delta * delta;
        }
        Statistics = (mean, variance, count + 1);
        return Math.Clamp((s - mean) / Math.Sqrt(variance + 1e-8), -1, 1);
    }

    private static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb + 1e-12);
    }

    public void Dispose() => tokens.Dispose();
}
