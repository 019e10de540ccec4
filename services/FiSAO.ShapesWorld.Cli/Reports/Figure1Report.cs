using System.Text.Json;
using FiSAO.Rewards.Statistics;
using FiSAO.ShapesWorld.Evaluation;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using FiSAO.Verifier.Scoring;

namespace FiSAO.ShapesWorld.Cli.Reports;

/// <summary>One object mention of a response with its token-level score S (the verifier's).</summary>
public sealed record MentionObservation(int Scene, string Surface, string Entity, bool Hallucinated, double Score);

/// <summary>One response with its sentence-level score: exp(logit_scale) * cos(text(whole response), image).</summary>
public sealed record ResponseObservation(int Scene, string Text, bool HasHallucination, double Score);

/// <summary>What <see cref="Figure1Report.RunAsync"/> measured.</summary>
public sealed record Figure1Result(string ModelId, long Seed, int Scenes, IReadOnlyList<MentionObservation> Mentions,
    IReadOnlyList<ResponseObservation> Responses)
{
    /// <summary>Correct mentions (positive) against hallucinated ones.</summary>
    public double TokenAuroc => Auroc.Compute(Mentions.Select(m => (m.Score, !m.Hallucinated)));

    /// <summary>Responses without a hallucination (positive) against responses with one.</summary>
    public double SentenceAuroc => Auroc.Compute(Responses.Select(r => (r.Score, !r.HasHallucination)));
}

/// <summary>
/// The paper's Figure 1 on held-out shapes-world scenes. Per scene two responses: its ground-truth caption, and the same
/// objects plus one that is not in the image (<see cref="CaptionWriter.WithHallucinations"/>). Token level: every
/// object mention of both responses, scored by the verifier engine exactly as served (S of the mention against the
/// image), labelled correct or hallucinated from the scene's ground truth. Sentence level: the CLIP score of each whole
/// response against the image, as a sentence-level reward model would use it.
/// </summary>
public static class Figure1Report
{
    /// <summary>Held-out seed: disjoint from the training (1) and calibration seeds.</summary>
    public const long DefaultSeed = 3_000_017;

    public static async Task<Figure1Result> RunAsync(VerifierEngine engine, int scenes, long seed, SceneOptions sceneOptions,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var generator = new SceneGenerator(seed, sceneOptions);
        var mentions = new List<MentionObservation>();
        var responses = new List<ResponseObservation>();
        double scale = engine.Model.Scale;
        for (int i = 0; i < scenes; i++)
        {
            var scene = generator.Generate(i);
            var image = ImageInput.FromBytes(scene.ToPng());
            var hallucinated = CaptionWriter.WithHallucinations(scene, 1, SceneRandom.For(seed, i, stream: 13)).Text;
            var (imageFeatures, _) = await engine.EmbedImageAsync(image, cancellationToken);
            foreach (var (text, hasHallucination) in new[] { (scene.Caption, false), (hallucinated, true) })
            {
                var scored = await engine.ScoreTextAsync(image, text, cancellationToken);
                foreach (var m in scored.Mentions)
                    mentions.Add(new MentionObservation(i, m.Surface, m.Entity, !scene.Objects.ContainsKey(m.Entity), m.Score));
                var textFeatures = await engine.EmbedTextAsync(text, cancellationToken);
                responses.Add(new ResponseObservation(i, text, hasHallucination, scale * Cosine(imageFeatures, textFeatures)));
            }
            progress?.Report(i + 1);
        }
        return new Figure1Result(engine.ModelId, seed, scenes, mentions, responses);
    }

    /// <summary>Writes token-level.png, sentence-level.png and figure1.json into <paramref name="folder"/>.</summary>
    public static void Write(Figure1Result result, string folder)
    {
        Directory.CreateDirectory(folder);
        HistogramPlot.Save(Path.Combine(folder, "token-level.png"),
            $"Token level: S of each object mention (AUROC {result.TokenAuroc:F3})", "S = scale * cos(mention, image)",
            ("correct", result.Mentions.Where(m => !m.Hallucinated).Select(m => m.Score).ToList()),
            ("hallucinated", result.Mentions.Where(m => m.Hallucinated).Select(m => m.Score).ToList()));
        HistogramPlot.Save(Path.Combine(folder, "sentence-level.png"),
            $"Sentence level: CLIP score of the whole response (AUROC {result.SentenceAuroc:F3})", "scale * cos(response, image)",
            ("no hallucination", result.Responses.Where(r => !r.HasHallucination).Select(r => r.Score).ToList()),
            ("with a hallucination", result.Responses.Where(r => r.HasHallucination).Select(r => r.Score).ToList()));

        var json = new
        {
            model = result.ModelId, seed = result.Seed, scenes = result.Scenes,
            token_level = new
            {
                auroc = Math.Round(result.TokenAuroc, 4),
                correct = Summary(result.Mentions.Where(m => !m.Hallucinated).Select(m => m.Score)),
                hallucinated = Summary(result.Mentions.Where(m => m.Hallucinated).Select(m => m.Score)),
            },
            sentence_level = new
            {
                auroc = Math.Round(result.SentenceAuroc, 4),
                without_hallucination = Summary(result.Responses.Where(r => !r.HasHallucination).Select(r => r.Score)),
                with_hallucination = Summary(result.Responses.Where(r => r.HasHallucination).Select(r => r.Score)),
            },
            per_entity_token_auroc = result.Mentions.GroupBy(m => m.Entity).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Where(g => g.Any(m => m.Hallucinated) && g.Any(m => !m.Hallucinated))
                .ToDictionary(g => g.Key, g => Math.Round(Auroc.Compute(g.Select(m => (m.Score, !m.Hallucinated))), 4)),
        };
        File.WriteAllText(Path.Combine(folder, "figure1.json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    static object Summary(IEnumerable<double> values)
    {
        var s = Descriptive.Summarize(values);
        return new { count = s.Count, mean = Math.Round(s.Mean, 4), min = Math.Round(s.Min, 4), max = Math.Round(s.Max, 4) };
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(Math.Max(na * nb, 1e-24));
    }
}
