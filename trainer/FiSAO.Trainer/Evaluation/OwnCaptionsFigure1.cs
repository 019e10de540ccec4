using System.Text.Encodings.Web;
using System.Text.Json;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Statistics;
using FiSAO.ShapesWorld.Evaluation;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;

namespace FiSAO.Trainer.Evaluation;

/// <summary>One object mention of a policy's own caption: the verifier's token-level score S and the ground truth's verdict.</summary>
public sealed record OwnMention(int Scene, string Entity, bool Hallucinated, double Score);

/// <summary>One caption of the policy: CHAIR's verdict (any hallucinated object) and its sentence-level score cos(E_text, E_image).</summary>
public sealed record OwnCaption(int Scene, string Text, bool HasHallucination, double Score);

/// <summary>What <see cref="OwnCaptionsFigure1.Run"/> measured.</summary>
public sealed record OwnCaptionsFigure1Result(long Seed, int Scenes, double Temperature, IReadOnlyList<OwnMention> Mentions, IReadOnlyList<OwnCaption> Captions)
{
    /// <summary>Correct mentions (positive) against hallucinated ones; NaN when a class is empty.</summary>
    public double TokenAuroc => Separation(Mentions.Select(m => (m.Score, !m.Hallucinated)));

    /// <summary>Captions without a hallucination (positive) against captions with one; NaN when a class is empty.</summary>
    public double SentenceAuroc => Separation(Captions.Select(c => (c.Score, !c.HasHallucination)));

    private static double Separation(IEnumerable<(double, bool)> labelled)
    {
        var items = labelled.ToList();
        return items.Any(i => i.Item2) && items.Any(i => !i.Item2) ? Auroc.Compute(items) : double.NaN;
    }
}

/// <summary>
/// The paper's Figure 1 as it measures it: the policy's own captions (sampled as rollouts are, seeded per scene: the
/// captions of the sampled evaluation), each object mention the verifier finds judged against the scene's ground truth
/// (an entity not in the image is a hallucination, as CHAIR judges it), with its token-level score S; and each caption's
/// sentence-level score cos(E_text(caption), E_image) (the sentence reward's score before normalisation), grouped by
/// CHAIR's verdict on the caption (any hallucinated object). The inserted-object version (<c>fisao-shapes report</c>) scores
/// ground-truth captions with one random absent object inserted, which sit far lower than what a policy confuses.
/// </summary>
public static class OwnCaptionsFigure1
{
    public static OwnCaptionsFigure1Result Run(string policyDirectory, string? adapters, long seed, int scenes, VerifierReward verifier,
        double temperature = 1.0, int maxNewTokens = 40, string prompt = "Describe this image.", int batchSize = 25)
    {
        using var policy = LlavaPolicy.Load(policyDirectory, TorchTarget.Cpu(), adapterDirectory: adapters);
        var source = new ShapesPromptSource(seed, scenes, prompt);
        var chair = new ChairEvaluator(ShapesVocabulary.EntitySet, ChairMatching.Extended, ChairVocabulary.AllEntities);
        var mentions = new List<OwnMention>();
        var captions = new List<OwnCaption>();
        GenerationOptions Options(int start, int count) => new()
        {
            MaxNewTokens = maxNewTokens,
            Temperature = temperature,
            // ShapesEvaluation's per-scene seeds: the same captions as the policy's sampled evaluation.
            RowSeeds = [.. Enumerable.Range(start, count).Select(i => Training.Seeds.Derive(seed, i, 0xe7a1))],
        };
        foreach (var (samples, sequences) in ShapesEvaluation.Generate(policy, policyDirectory, source, Options, batchSize))
        {
            var scored = verifier.Score(samples, sequences);
            for (var i = 0; i < samples.Count; i++)
            {
                var text = sequences[i].Text ?? "";
                var truth = samples[i].Objects!;
                mentions.AddRange(scored[i].Mentions.Select(m => new OwnMention(samples[i].Index, m.Entity, !m.InImage, m.Score)));
                var caption = chair.EvaluateCaption(text, truth);
                captions.Add(new OwnCaption(samples[i].Index, text.Trim(), caption.HallucinatedMentions > 0, SentenceScore(verifier, samples[i].Image, text)));
            }
        }
        return new OwnCaptionsFigure1Result(seed, scenes, temperature, mentions, captions);
    }

    /// <summary>cos(E_text(caption), E_image) through the verifier's Embed RPCs (the sentence reward's raw score).</summary>
    private static double SentenceScore(VerifierReward verifier, byte[] image, string text)
    {
        var imageEmbedding = verifier.Client.EmbedImageAsync(image).GetAwaiter().GetResult().Embedding;
        var textEmbedding = verifier.Client.EmbedTextAsync(string.IsNullOrWhiteSpace(text) ? "." : text.Trim()).GetAwaiter().GetResult().Embedding;
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < imageEmbedding.Count; i++)
        {
            dot += imageEmbedding[i] * textEmbedding[i];
            na += imageEmbedding[i] * imageEmbedding[i];
            nb += textEmbedding[i] * textEmbedding[i];
        }
        return dot / Math.Sqrt(Math.Max(na * nb, 1e-24));
    }

    /// <summary>Writes token-level.png, sentence-level.png and figure1.json into <paramref name="folder"/>; returns the JSON's object.</summary>
    public static object Write(OwnCaptionsFigure1Result result, string folder, string split)
    {
        Directory.CreateDirectory(folder);
        var correct = result.Mentions.Where(m => !m.Hallucinated).Select(m => m.Score).ToList();
        var hallucinated = result.Mentions.Where(m => m.Hallucinated).Select(m => m.Score).ToList();
        var clean = result.Captions.Where(c => !c.HasHallucination).Select(c => c.Score).ToList();
        var dirty = result.Captions.Where(c => c.HasHallucination).Select(c => c.Score).ToList();
        HistogramPlot.Save(Path.Combine(folder, "token-level.png"),
            $"Policy's own captions, token level: S of each mention (AUROC {result.TokenAuroc:F3})", "S = scale * cos(mention, image)",
            ("correct (in the image)", correct), ("hallucinated (CHAIR)", hallucinated));
        HistogramPlot.Save(Path.Combine(folder, "sentence-level.png"),
            $"Policy's own captions, sentence level (AUROC {result.SentenceAuroc:F3})", "cos(caption, image)",
            ("no hallucination", clean), ("with a hallucination (CHAIR)", dirty));
        var json = new
        {
            what = "the warm-up policy's own captions, sampled at the rollouts' temperature, judged by CHAIR against the ground truth (the paper's Figure 1)",
            split, seed = result.Seed, scenes = result.Scenes, temperature = result.Temperature,
            token_level = new { auroc = Round(result.TokenAuroc), correct = Summary(correct), hallucinated = Summary(hallucinated) },
            sentence_level = new { auroc = Round(result.SentenceAuroc), without_hallucination = Summary(clean), with_hallucination = Summary(dirty) },
            per_entity_token_auroc = result.Mentions.GroupBy(m => m.Entity).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Where(g => g.Any(m => m.Hallucinated) && g.Any(m => !m.Hallucinated))
                .ToDictionary(g => g.Key, g => Round(Auroc.Compute(g.Select(m => (m.Score, !m.Hallucinated))))),
        };
        File.WriteAllText(Path.Combine(folder, "figure1.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        return json;
    }

    private static double? Round(double x) => double.IsFinite(x) ? Math.Round(x, 4) : null;

    private static object Summary(IReadOnlyList<double> values) => new
    {
        count = values.Count,
        mean = values.Count == 0 ? (double?)null : Math.Round(values.Average(), 4),
        sd = values.Count < 2 ? (double?)null : Math.Round(Math.Sqrt(values.Sum(v => (v - values.Average()) * (v - values.Average())) / (values.Count - 1)), 4),
    };
}
