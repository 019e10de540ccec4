using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Statistics;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Training;
using FiSAO.ShapesWorld.World;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Evaluation;

/// <summary>One object mention of a caption with its verifier score.</summary>
/// <param name="Scene">Index of the held-out scene.</param>
/// <param name="Surface">The mention as the entity set stores it ("mice").</param>
/// <param name="Entity">Its canonical entity ("mouse").</param>
/// <param name="Hallucinated">True when the object is not in the image.</param>
/// <param name="Score">S = exp(logit_scale) * cos(text(surface), image), as the verifier computes it (bare word).</param>
public sealed record ScoredMention(int Scene, string Surface, string Entity, bool Hallucinated, double Score);

/// <summary>Result of <see cref="SeparationCheck.Run"/>.</summary>
/// <param name="TokenAuroc">AUROC of S, correct mentions (positive) against hallucinated ones, pooled over all scenes:
/// the paper's token-level separation (Fig. 1), and what one global threshold (the calibration) can reach.</param>
/// <param name="SentenceAuroc">AUROC of the caption-level S (whole caption against the image) of the correct caption
/// against the caption with the inserted object: the paper's sentence-level baseline.</param>
/// <param name="WordTop1">Share of images whose best-scoring noun (singular, over all 16) is in the image.</param>
/// <param name="WordPresenceAuroc">AUROC over all (image, noun) pairs: noun in the image against noun not in it.</param>
public sealed record SeparationReport(int Scenes, int CorrectMentions, int HallucinatedMentions, double TokenAuroc,
    double MeanCorrect, double MeanHallucinated, double SentenceAuroc, double WordTop1, double WordPresenceAuroc,
    double Scale, TimeSpan Elapsed, IReadOnlyList<ScoredMention> Mentions);

/// <summary>
/// The separation check on held-out scenes: for each scene a caption naming its objects plus
/// <c>hallucinations</c> objects that are not in it; the world's entity set finds the mentions (as the verifier does);
/// each mention gets S against the image (images go through PNG and <see cref="ClipImageProcessor"/>, as requests do).
/// </summary>
public static class SeparationCheck
{
    /// <summary>Runs the check on scenes 0 .. n-1 of <paramref name="seed"/> (use a seed the model was not trained on).</summary>
    public static SeparationReport Run(ClipModel model, ClipTokenizer tokenizer, long seed, int scenes, SceneOptions? options = null,
        int hallucinations = 1, int batchSize = 64)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        options ??= new SceneOptions();
        var generated = new SceneGenerator(seed, options).Generate(0, scenes);
        var processor = new ClipImageProcessor(ShapesClipConfig.Preprocessing(model.Config.VisionConfig.ImageSize));
        var finder = new MentionFinder(ShapesVocabulary.EntitySet);
        double scale = model.LogitScaleExp;

        // Unit text features of every surface form of the entity set (bare word, the verifier's default template).
        var surfaces = ShapesVocabulary.EntitySet.Entries.Where(e => !e.IsBlocker).Select(e => e.Surface).ToList();
        var surfaceFeatures = EncodeTexts(model, tokenizer, surfaces, batchSize);
        var surfaceRow = surfaces.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var nounRows = ShapesVocabulary.Nouns.Select(n => surfaceRow[n.Name]).ToArray();

        var mentions = new List<ScoredMention>();
        var sentence = new List<(double Score, bool IsPositive)>();
        var presence = new List<(double Score, bool IsPositive)>();
        int wordHits = 0;
        for (int start = 0; start < generated.Length; start += batchSize)
        {
            var chunk = generated.Skip(start).Take(batchSize).ToList();
            var images = EncodeImages(model, processor, chunk);
            var hallucinated = chunk.Select(s => CaptionWriter.WithHallucinations(s, hallucinations, SceneRandom.For(seed, s.Index, stream: 2))).ToList();
            var correctCaptions = EncodeTexts(model, tokenizer, chunk.Select(s => s.Caption).ToList(), batchSize);
            var wrongCaptions = EncodeTexts(model, tokenizer, hallucinated.Select(h => h.Text).ToList(), batchSize);
            for (int i = 0; i < chunk.Count; i++)
            {
                var scene = chunk[i];
                foreach (var m in finder.FindInText(hallucinated[i].Text).Mentions)
                {
                    double s = scale * Dot(images[i], surfaceFeatures[surfaceRow[m.Surface]]);
                    mentions.Add(new ScoredMention(scene.Index, m.Surface, m.Canonical, !scene.Objects.ContainsKey(m.Canonical), s));
                }
                sentence.Add((scale * Dot(images[i], correctCaptions[i]), true));
                sentence.Add((scale * Dot(images[i], wrongCaptions[i]), false));
                int best = 0;
                for (int n = 0; n < nounRows.Length; n++)
                {
                    double s = Dot(images[i], surfaceFeatures[nounRows[n]]);
                    bool present = scene.Objects.ContainsKey(ShapesVocabulary.Nouns[n].Name);
                    presence.Add((s, present));
                    if (s > Dot(images[i], surfaceFeatures[nounRows[best]])) best = n;
                }
                if (scene.Objects.ContainsKey(ShapesVocabulary.Nouns[best].Name)) wordHits++;
            }
        }

        var correct = mentions.Where(m => !m.Hallucinated).Select(m => m.Score).ToList();
        var wrong = mentions.Where(m => m.Hallucinated).Select(m => m.Score).ToList();
        return new SeparationReport(scenes, correct.Count, wrong.Count, Auroc.Compute(correct, wrong),
            correct.Average(), wrong.Average(), Auroc.Compute(sentence), (double)wordHits / scenes, Auroc.Compute(presence),
            scale, watch.Elapsed, mentions);
    }

    /// <summary>Unit-length projected features of texts.</summary>
    public static float[][] EncodeTexts(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> texts, int batchSize = 64)
    {
        var result = new List<float[]>(texts.Count);
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var batch = tokenizer.EncodeBatch(texts.Skip(start).Take(batchSize).ToList());
            var ids = torch.tensor(batch.InputIds, [batch.BatchSize, batch.SequenceLength]);
            var mask = torch.tensor(batch.AttentionMask, [batch.BatchSize, batch.SequenceLength]);
            result.AddRange(Rows(ShapesClipTrainer.Normalize(model.GetTextFeatures(ids, mask))));
        }
        return result.ToArray();
    }

    /// <summary>Unit-length projected features of scenes, through PNG and the CLIP image processor.</summary>
    public static float[][] EncodeImages(ClipModel model, ClipImageProcessor processor, IReadOnlyList<Scene> scenes)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = processor.Preprocess(scenes.Select(s => (ReadOnlyMemory<byte>)s.ToPng()).ToList());
        return Rows(ShapesClipTrainer.Normalize(model.GetImageFeatures(pixels)));
    }

    private static float[][] Rows(Tensor features)
    {
        var cpu = features.to(ScalarType.Float32, torch.CPU).contiguous();
        var all = cpu.data<float>().ToArray();
        int dim = (int)cpu.shape[1];
        return Enumerable.Range(0, (int)cpu.shape[0]).Select(i => all.AsSpan(i * dim, dim).ToArray()).ToArray();
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
