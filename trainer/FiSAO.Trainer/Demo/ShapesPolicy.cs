using System.Diagnostics;
using FiSAO.Models.Checkpoints;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Policies;
using FiSAO.Trainer.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Demo;

/// <summary>Supervised warm-up settings.</summary>
public sealed record WarmUpOptions
{
    public int Steps { get; init; } = 6000;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Learning rate at the last step, as a fraction of <see cref="LearningRate"/> (cosine decay; 1 = constant).</summary>
    public double FinalLearningRateFraction { get; init; } = 0.05;

    /// <summary>Share of training captions that name one object not in the image (so the policy learns to hallucinate).</summary>
    public double HallucinatedShare { get; init; } = 0.25;

    /// <summary>Which absent object those captions name (<see cref="HallucinationHabit"/>).</summary>
    public HallucinationHabit Habit { get; init; } = HallucinationHabit.CoOccurrence;

    public long Seed { get; init; } = 7;

    /// <summary>Training scenes (rendered once; their frozen vision-tower features are computed once and cached).</summary>
    public int Scenes { get; init; } = 8000;
}

/// <summary>
/// The shapes-world policy: a word-level SentencePiece tokenizer over the world's caption vocabulary, a small random
/// LLaMA decoder, and the shapes CLIP as vision tower (penultimate-layer patch features through the mlp2x_gelu projector),
/// written as a llava-hf folder; then a supervised warm-up on captions of which a quarter name one absent object.
/// </summary>
public static class ShapesPolicy
{
    public const string Prompt = "Describe this image.";

    /// <summary>Every word of the world's captions, as they appear (capitalised sentence starts included).</summary>
    public static IReadOnlyList<string> CaptionWords()
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in CaptionWriter.Vocabulary)
        {
            words.Add(w);
            words.Add(char.ToUpperInvariant(w[0]) + w[1..]);
        }
        // Sample real captions too: whatever a template writes (punctuation split off) is in the vocabulary.
        var generator = new SceneGenerator(99);
        foreach (var scene in generator.Generate(0, 300))
        {
            var rng = SceneRandom.For(99, scene.Index, 7);
            foreach (var text in new[] { scene.Caption, CaptionWriter.WithHallucinations(scene, 1, rng).Text })
                foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    words.Add(token.TrimEnd('.', ',', '!', '?'));
        }
        words.Remove("");
        return [.. words.Order(StringComparer.Ordinal)];
    }

    public static string WriteBase(string directory, string clipDirectory, PolicySpec spec)
    {
        var tokenizer = WordPieceTokenizer.Build(CaptionWords(), byteFallback: true);
        PolicyFolderWriter.Write(directory, tokenizer, spec, clipDirectory);
        return directory;
    }

    /// <summary>
    /// Teacher-forced cross-entropy on the response tokens (caption + EOS) with the vision tower frozen: decoder and
    /// projector train. Writes the warmed-up model as a new llava-hf folder (the PPO base and the reference policy).
    /// </summary>
    public static string WarmUp(string baseDirectory, string outputDirectory, WarmUpOptions options, Action<string> log)
    {
        torch.random.manual_seed(options.Seed);
        using var policy = LlavaPolicy.Load(baseDirectory, TorchTarget.Cpu());
        var model = policy.Model;
        foreach (var p in model.VisionTower.parameters()) p.requires_grad = false;
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = ScalarSafeAdamW.Create(trainable, options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.0);
        var images = FiSAO.Models.Imaging.ClipImageProcessor.FromDirectory(baseDirectory);
        var pool = new SceneGenerator(options.Seed).Generate(0, options.Scenes);
        var pad = policy.Tokenizer.PadId!.Value;
        var eos = policy.Tokenizer.EosId;
        var prompt = policy.EncodePrompt(Prompt);
        var watch = Stopwatch.StartNew();
        // The tower is frozen: its selected hidden states (vision_feature_layer, CLS dropped, as GetImageFeatures) are
        // computed once; each step only runs the projector (which trains) on them.
        using var visionStates = VisionStates(model, images, pool);
        log($"warm-up: {pool.Length} scenes, vision features cached in {watch.Elapsed.TotalSeconds:F0} s");
        var hallucinated = HallucinatedCaptions(pool, options, log);
        var random = new Random((int)options.Seed);
        model.train();
        for (var step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            // Cosine decay: the late steps average out the caption noise instead of chasing it.
            var fraction = options.FinalLearningRateFraction + (1 - options.FinalLearningRateFraction) * 0.5 * (1 + Math.Cos(Math.PI * step / Math.Max(1, options.Steps - 1)));
            foreach (var group in optimizer.ParamGroups) group.LearningRate = options.LearningRate * fraction;
            var picks = Enumerable.Range(0, options.BatchSize).Select(_ => random.Next(pool.Length)).ToArray();
            var scenes = picks.Select(i => pool[i]).ToList();
            var responses = scenes.Select(s =>
            {
                var text = hallucinated(s, random.NextDouble(), SceneRandom.For(options.Seed, s.Index, (ulong)step + 11))?.Text ?? s.Caption;
                return policy.Tokenizer.Encode(text, addBos: false).Append(eos).ToArray();
            }).ToList();
            var r = responses.Max(x => x.Length);
            var p = prompt.Count;
            var ids = new long[options.BatchSize * (p + r)];
            var mask = new long[ids.Length];
            var responseMask = new float[options.BatchSize * r];
            for (var i = 0; i < options.BatchSize; i++)
            {
                for (var c = 0; c < p; c++) { ids[i * (p + r) + c] = prompt[c]; mask[i * (p + r) + c] = 1; }
                for (var c = 0; c < r; c++)
                {
                    var real = c < responses[i].Length;
                    ids[i * (p + r) + p + c] = real ? responses[i][c] : pad;
                    mask[i * (p + r) + p + c] = real ? 1 : 0;
                    responseMask[i * r + c] = real ? 1 : 0;
                }
            }
            var features = model.MultiModalProjector.forward(visionStates.index_select(0, tensor(picks.Select(i => (long)i).ToArray())));
            var logp = model.ResponseLogProbs(tensor(ids, [options.BatchSize, p + r]), tensor(mask, [options.BatchSize, p + r]), features, p);
            var m = tensor(responseMask, [options.BatchSize, r]);
            var loss = -(logp * m).sum() / m.sum();
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(trainable, 1.0);
            optimizer.step();
            if ((step + 1) % 50 == 0 || step == 0)
                log($"warm-up step {step + 1}/{options.Steps}: loss {loss.item<float>():F3} ({watch.Elapsed.TotalSeconds:F0} s)");
        }
        model.eval();

        Directory.CreateDirectory(outputDirectory);
        foreach (var file in Directory.GetFiles(baseDirectory))
            if (Path.GetFileName(file) != SafeTensorsCheckpoint.SingleFileName)
                File.Copy(file, Path.Combine(outputDirectory, Path.GetFileName(file)), overwrite: true);
        using (var stream = File.Create(Path.Combine(outputDirectory, SafeTensorsCheckpoint.SingleFileName)))
            Safetensors.SaveStateDict(stream, model.state_dict());
        return outputDirectory;
    }

    /// <summary>
    /// The habit as a function of (scene, a uniform draw, a random stream): a caption with one absent object, or null for
    /// the true caption. Random: any scene, with probability HallucinatedShare. Co-occurrence: only scenes with a trigger
    /// but not its companion, with the probability that makes HallucinatedShare of all captions hallucinate.
    /// </summary>
    internal static Func<Scene, double, SceneRandom, CaptionSample?> HallucinatedCaptions(Scene[] pool, WarmUpOptions options, Action<string> log)
    {
        if (options.HallucinatedShare is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.HallucinatedShare, "The hallucinated share must be in [0, 1].");
        if (options.Habit == HallucinationHabit.Random)
        {
            log($"warm-up: {options.HallucinatedShare:P0} of captions name one random absent object");
            return (s, u, rng) => u < options.HallucinatedShare ? CaptionWriter.WithHallucinations(s, 1, rng) : null;
        }
        var applicable = pool.Count(s => CoOccurrencePrior.Applicable(s).Count > 0) / (double)pool.Length;
        var rate = options.HallucinatedShare / applicable;
        if (rate > 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.HallucinatedShare,
                $"Only {applicable:P0} of the warm-up scenes have a co-occurrence trigger without its companion, so at most that share of captions can follow the habit.");
        log($"warm-up: co-occurrence habit ({CoOccurrencePrior.Describe()}): {applicable:P0} of scenes have a trigger without its companion; " +
            $"their captions name the companion after it with probability {rate:F2}, so {options.HallucinatedShare:P0} of captions hallucinate");
        return (s, u, rng) => u < rate ? CoOccurrencePrior.Caption(s, rng) : null;
    }

    private static Tensor VisionStates(LlavaForConditionalGeneration model, FiSAO.Models.Imaging.ClipImageProcessor images, Scene[] scenes)
    {
        using var noGrad = no_grad();
        var chunks = new List<Tensor>();
        for (var start = 0; start < scenes.Length; start += 100)
        {
            using var scope = NewDisposeScope();
            var pixels = images.Preprocess([.. scenes.Skip(start).Take(100).Select(s => (ReadOnlyMemory<byte>)s.ToPng())]);
            var states = model.VisionTower.VisionModel.Forward(pixels, outputHiddenStates: true).HiddenStates!;
            var layer = model.Config.VisionFeatureLayer < 0 ? states.Count + model.Config.VisionFeatureLayer : model.Config.VisionFeatureLayer;
            var selected = states[layer];
            if (model.Config.VisionFeatureSelectStrategy == LlavaConfig.DefaultStrategy) selected = selected.narrow(1, 1, selected.shape[1] - 1);
            chunks.Add(selected.contiguous().MoveToOuterDisposeScope());
        }
        var all = cat(chunks, 0);
        foreach (var c in chunks) c.Dispose();
        return all;
    }
}
