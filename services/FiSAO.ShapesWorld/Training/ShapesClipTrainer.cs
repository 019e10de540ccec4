using System.Diagnostics;
using FiSAO.Models.Clip;
using FiSAO.Models.Torch;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// Trains a <see cref="ClipModel"/> on shapes-world scenes. The losses, all in CLIP's joint space with its learned
/// temperature (exp(logit_scale), clamped at 100 as in CLIP):
/// <list type="bullet">
/// <item>image–caption: CLIP's symmetric InfoNCE over the batch (each image's caption is its positive);</item>
/// <item>image–object-word: every surface form of the vocabulary ("mouse", "mice", "traffic cone", …) against every
/// image of the batch, multi-positive symmetric InfoNCE (<see cref="MultiPositiveInfoNce"/>): for each pair whose object
/// is in the image, the word must beat the words of absent objects for that image, and the image must beat the images
/// without that object for that word;</item>
/// <item>optional helpers that make a small ViT learn in a minute on two cores (see <see cref="TrainingOptions"/>): a
/// sigmoid loss on the same (image, word) pairs (one global scale), dense patch–word supervision from the generator's
/// exact object masks, and a text-only separation of the 16 nouns.</item>
/// </list>
/// AdamW (no decay on biases, norms, embeddings of one dimension, logit scale), linear warm-up then cosine decay,
/// gradient clipping. Deterministic for a seed and thread count.
/// </summary>
public sealed class ShapesClipTrainer
{
    private static readonly Scalar MaxLogitScale = Math.Log(100).ToScalar();

    /// <summary>A large finite "minus infinity" for masked logits.</summary>
    private static readonly Scalar MaskedLogit = (-1e4).ToScalar();

    private static readonly Scalar NormEpsilon = 1e-6.ToScalar();

    public ShapesClipTrainer(ClipModel model, ClipTokenizer tokenizer, TrainingOptions options)
    {
        options.Validate();
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
        View = new ClipTrainingView(model);
        WordBias = new Parameter(torch.zeros(1));
        var pre = ShapesClipConfig.Preprocessing(options.Scenes.ImageSize);
        _mean = torch.tensor(pre.ImageMean.Select(v => (float)v).ToArray(), [1, 3, 1, 1]);
        _std = torch.tensor(pre.ImageStd.Select(v => (float)v).ToArray(), [1, 3, 1, 1]);
        _rescale = (float)pre.RescaleFactor;
    }

    private readonly Tensor _mean;
    private readonly Tensor _std;
    private readonly float _rescale;

    public ClipModel Model { get; }
    public ClipTokenizer Tokenizer { get; }
    public TrainingOptions Options { get; }
    public ClipTrainingView View { get; }

    /// <summary>The training-only bias of the sigmoid word loss (not part of the saved CLIP).</summary>
    public Parameter WordBias { get; }

    /// <summary>Creates a model of <see cref="TrainingOptions.Size"/> for the tokenizer, with HF's initialisation, seeded.</summary>
    public static ClipModel CreateModel(ClipTokenizer tokenizer, TrainingOptions options)
    {
        var config = ShapesClipConfig.Create(options.Size, tokenizer.VocabularySize, options.Scenes.ImageSize, tokenizer.ModelMaxLength);
        if (config.TextConfig.BosTokenId != tokenizer.BosId || config.TextConfig.EosTokenId != tokenizer.EosId)
            throw new InvalidOperationException("The tokenizer's BOS/EOS are not the last two ids; build it with WorldTokenizer.");
        torch.manual_seed(options.Seed);
        var model = new ClipModel(config);
        ClipInitializer.ApplyHfInit(model, options.Seed);
        return model;
    }

    /// <summary>Generates the training scenes (indices 0 .. n-1 of the seed) and trains.</summary>
    public IReadOnlyList<TrainingProgress> Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var scenes = new SceneGenerator(Options.Seed, Options.Scenes).Generate(0, Options.TrainScenes);
        return Train(scenes, progress, cancellationToken);
    }

    /// <summary>Trains on the given scenes. Returns one summary per epoch (the epoch's means).</summary>
    public IReadOnlyList<TrainingProgress> Train(IReadOnlyList<Scene> scenes, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var data = new TrainingSet(scenes, Tokenizer, Model.Config.VisionConfig.PatchSize, Options.PatchMinCoverage);
        return Train(data, progress, cancellationToken);
    }

    /// <summary>Trains on a prepared set (see <see cref="TrainingSet.Generate"/>). Returns one summary per epoch.</summary>
    public IReadOnlyList<TrainingProgress> Train(TrainingSet data, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (Options.Threads > 0) torch.set_num_threads(Options.Threads);
        int batch = Math.Min(Options.BatchSize, data.Count);
        int stepsPerEpoch = data.Count / batch; // the ragged last batch is dropped: contrastive batches stay full
        long totalSteps = (long)stepsPerEpoch * Options.Epochs;
        long warmup = Math.Max(1, (long)(totalSteps * Options.WarmupFraction));

        var surfaces = ShapesVocabulary.SurfaceForms;
        var words = Tokenizer.EncodeBatch(surfaces.Select(s => s.Surface).ToList());
        using var wordIds = torch.tensor(words.InputIds, [words.BatchSize, words.SequenceLength]);
        using var wordMask = torch.tensor(words.AttentionMask, [words.BatchSize, words.SequenceLength]);
        var nounIndex = ShapesVocabulary.Nouns.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var surfaceNoun = surfaces.Select(s => nounIndex[s.Noun]).ToArray();
        using var surfaceNounTensor = torch.tensor(surfaceNoun.Select(n => (long)n).ToArray(), [surfaceNoun.Length]);
        using var singularRows = torch.tensor(ShapesVocabulary.Nouns.Select(n => (long)surfaces.ToList().FindIndex(s => s.Surface == n.Name)).ToArray(),
            [ShapesVocabulary.Nouns.Count]);
        using var sameNoun = surfaceNounTensor.unsqueeze(1).eq(surfaceNounTensor.unsqueeze(0));
        using var self = torch.eye(surfaceNoun.Length, dtype: ScalarType.Bool);

        var (decay, noDecay) = View.ParameterGroups();
        using var optimizer = ScalarSafeAdamW.Create(
        [
            new AdamW.ParamGroup(decay, new AdamW.Options { LearningRate = Options.LearningRate, weight_decay = Options.WeightDecay }),
            new AdamW.ParamGroup(noDecay.Append(WordBias), new AdamW.Options { LearningRate = Options.LearningRate, weight_decay = 0 }),
        ], Options.LearningRate, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0);

        torch.manual_seed(Options.Seed);
        Model.train();
        var order = Enumerable.Range(0, data.Count).ToArray();
        var rng = SceneRandom.For(Options.Seed, 0, stream: 7);
        var summaries = new List<TrainingProgress>();
        var watch = Stopwatch.StartNew();
        long step = 0;
        try
        {
            for (int epoch = 1; epoch <= Options.Epochs; epoch++)
            {
                rng.Shuffle(order);
                var sum = new StepStats();
                for (int s = 0; s < stepsPerEpoch; s++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    step++;
                    double lr = step <= warmup
                        ? Options.LearningRate * step / warmup
                        : Options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

                    var indices = order.AsSpan(s * batch, batch).ToArray().Select(i => (long)i).ToArray();
                    var batchWords = new WordTensors(wordIds, wordMask, surfaceNounTensor, singularRows, sameNoun, self);
                    var flips = Options.FlipAugmentation ? indices.Select(_ => rng.Chance(0.5)).ToArray() : null;
                    sum = sum.Add(Step(data, indices, flips, batchWords, optimizer));
                    int n = s + 1;
                    var report = new TrainingProgress(epoch, Options.Epochs, n, stepsPerEpoch, sum.Loss / n, sum.CaptionHits / sum.Images,
                        sum.WordHits / sum.Images, Math.Exp(Scalars.ToDouble(View.LogitScale)), watch.Elapsed, EndOfEpoch: n == stepsPerEpoch)
                    {
                        CaptionLoss = sum.CaptionLoss / n,
                        WordLoss = sum.WordLoss / n,
                        PatchLoss = sum.PatchLoss / n,
                        PatchAccuracy = sum.Patches == 0 ? 0 : sum.PatchHits / sum.Patches,
                    };
                    progress?.Report(report);
                    if (report.EndOfEpoch) summaries.Add(report);
                }
            }
        }
        finally
        {
            Model.eval();
        }
        return summaries;
    }

    private sealed record WordTensors(Tensor Ids, Tensor Mask, Tensor Noun, Tensor SingularRows, Tensor SameNoun, Tensor Self);

    private readonly record struct StepStats(double Loss, double CaptionLoss, double WordLoss, double PatchLoss, double Images,
        double CaptionHits, double WordHits, double PatchHits, double Patches)
    {
        public StepStats Add(StepStats o) => new(Loss + o.Loss, CaptionLoss + o.CaptionLoss, WordLoss + o.WordLoss, PatchLoss + o.PatchLoss,
            Images + o.Images, CaptionHits + o.CaptionHits, WordHits + o.WordHits, PatchHits + o.PatchHits, Patches + o.Patches);
    }

    private StepStats Step(TrainingSet data, long[] indices, bool[]? flips, WordTensors words, OptimizerHelper optimizer)
    {
        using var scope = torch.NewDisposeScope();
        int b = indices.Length;
        var idx = torch.tensor(indices, [b]);
        // The processor's arithmetic (rescale, then normalise per channel) on the gathered 8-bit pixels.
        using var rescale = _rescale.ToScalar();
        var pixels = (data.Pixels.index_select(0, idx).to(ScalarType.Float32) * rescale - _mean) / _std;
        int gridX = data.Width / Model.Config.VisionConfig.PatchSize, gridY = data.Height / Model.Config.VisionConfig.PatchSize;
        var patchTargets = data.PatchLabels.index_select(0, idx);
        if (flips is not null && flips.Any(f => f))
        {
            var flip = torch.tensor(flips, [b]);
            pixels = torch.where(flip.view(b, 1, 1, 1), pixels.flip(3), pixels);
            var grid = patchTargets.view(b, gridY, gridX);
            patchTargets = torch.where(flip.view(b, 1, 1), grid.flip(2), grid).reshape(b, gridY * gridX);
        }
        int length = (int)Scalars.ToInt64(data.CaptionLengths.index_select(0, idx).max());
        var capIds = data.CaptionIds.index_select(0, idx).narrow(1, 0, length);
        var capMask = data.CaptionMask.index_select(0, idx).narrow(1, 0, length);
        var pos = data.Presence.index_select(0, idx).index_select(1, words.Noun); // [B, surfaces]

        var (imageRaw, patchRaw) = View.ImageAndPatchFeatures(pixels);
        var image = Normalize(imageRaw);
        var caption = Normalize(View.TextFeatures(capIds, capMask));
        var word = Normalize(View.TextFeatures(words.Ids, words.Mask));
        var scale = View.LogitScale.exp();

        var capLogits = scale * image.matmul(caption.t());
        using var batchSize = b.ToScalar();
        var targets = torch.arange(Scalars.Zero, batchSize, Scalars.One, dtype: ScalarType.Int64);
        var imageToCaption = nn.functional.cross_entropy(capLogits, targets);
        var captionLoss = imageToCaption.add(nn.functional.cross_entropy(capLogits.t(), targets), Scalars.One) / Scalars.Two;

        var wordLogits = scale * image.matmul(word.t());
        var wordLoss = MultiPositiveInfoNce(wordLogits, pos);
        using var captionWeight = Options.CaptionLossWeight.ToScalar();
        using var wordWeight = Options.WordLossWeight.ToScalar();
        var loss = (captionLoss * captionWeight).add(wordLoss * wordWeight, Scalars.One);

        if (Options.WordSigmoidWeight > 0)
        {
            using var sigmoidWeight = Options.WordSigmoidWeight.ToScalar();
            var sigmoidLoss = nn.functional.binary_cross_entropy_with_logits(wordLogits.add(WordBias, Scalars.One), pos.to(ScalarType.Float32));
            loss = loss.add(sigmoidLoss * sigmoidWeight, Scalars.One);
        }

        if (Options.WordSeparationWeight > 0)
        {
            using var separationWeight = Options.WordSeparationWeight.ToScalar();
            var notSelf = words.Self.logical_not();
            var sepLogits = (scale * word.matmul(word.t())).masked_fill(words.Self, MaskedLogit);
            loss = loss.add(MultiPositiveInfoNce(sepLogits, words.SameNoun.logical_and(notSelf)) * separationWeight, Scalars.One);
        }

        double patchLossValue = 0, patchHits = 0, patches = 0;
        if (Options.PatchLossWeight > 0)
        {
            var target = patchTargets.reshape(-1);
            var labelled = target.ge(Scalars.Zero);
            patches = Scalars.ToDouble(labelled.sum());
            if (patches > 0)
            {
                using var patchWeight = Options.PatchLossWeight.ToScalar();
                var nouns = word.index_select(0, words.SingularRows);
                var patchLogits = (scale * Normalize(patchRaw).matmul(nouns.t())).reshape(-1, nouns.shape[0]);
                var patchLoss = nn.functional.cross_entropy(patchLogits, target, ignore_index: -1);
                loss = loss.add(patchLoss * patchWeight, Scalars.One);
                patchLossValue = Scalars.ToDouble(patchLoss);
                patchHits = Scalars.ToDouble(patchLogits.argmax(1).eq(target).logical_and(labelled).sum());
            }
        }

        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(Model.parameters().Append(WordBias), Options.MaxGradNorm);
        optimizer.step();
        using (torch.no_grad()) View.LogitScale.clamp_(Scalars.Zero, MaxLogitScale);

        double capHits = Scalars.ToDouble(capLogits.argmax(1).eq(targets).sum());
        double wordHits = Scalars.ToDouble(pos.gather(1, wordLogits.argmax(1).unsqueeze(1)).sum());
        return new StepStats(Scalars.ToDouble(loss), Scalars.ToDouble(captionLoss), Scalars.ToDouble(wordLoss), patchLossValue, b, capHits, wordHits,
            patchHits, patches);
    }

    /// <summary>
    /// Symmetric multi-positive InfoNCE over a [B, V] logit matrix with a boolean positive mask: each positive pair
    /// is contrasted with the negatives of its row (image -> word) and of its column (word -> image); other positives
    /// are left out of the denominator. Mean over positive pairs, average of the two directions.
    /// </summary>
    public static Tensor MultiPositiveInfoNce(Tensor logits, Tensor positive)
    {
        using var scope = torch.NewDisposeScope();
        // A large finite "minus infinity": a row or column without negatives then costs ~0 and has finite gradients.
        var negatives = logits.masked_fill(positive, MaskedLogit);
        var rowLse = negatives.logsumexp(1, keepdim: true);
        var colLse = negatives.logsumexp(0, keepdim: true);
        var posF = positive.to(ScalarType.Float32);
        var count = posF.sum().clamp_min(Scalars.One);
        var imageToWord = ((torch.logaddexp(logits, rowLse) - logits) * posF).sum() / count;
        var wordToImage = ((torch.logaddexp(logits, colLse) - logits) * posF).sum() / count;
        return (imageToWord.add(wordToImage, Scalars.One) / Scalars.Two).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per patch of the vision grid (row-major), the noun index of the object covering most of it when it covers at
    /// least <paramref name="minCoverage"/> of the patch, else -1.
    /// </summary>
    public static long[] PatchLabels(Scene scene, int patchSize, double minCoverage)
    {
        int gridX = scene.Width / patchSize, gridY = scene.Height / patchSize;
        var labels = new long[gridX * gridY];
        var counts = new int[scene.Instances.Count];
        for (int gy = 0; gy < gridY; gy++)
            for (int gx = 0; gx < gridX; gx++)
            {
                Array.Clear(counts);
                for (int y = gy * patchSize; y < (gy + 1) * patchSize; y++)
                    for (int x = gx * patchSize; x < (gx + 1) * patchSize; x++)
                        if (scene.Owner[y * scene.Width + x] is var o && o >= 0) counts[o]++;
                int best = -1;
                for (int i = 0; i < counts.Length; i++)
                    if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) best = i;
                labels[gy * gridX + gx] = best >= 0 && counts[best] >= minCoverage * patchSize * patchSize
                    ? NounIndex(scene.Instances[best].Noun)
                    : -1;
            }
        return labels;
    }

    private static int NounIndex(ShapeNoun noun)
    {
        for (int i = 0; i < ShapesVocabulary.Nouns.Count; i++)
            if (ShapesVocabulary.Nouns[i] == noun) return i;
        throw new ArgumentException($"'{noun}' is not a noun of the world.");
    }

    internal static Tensor Normalize(Tensor x) => x / x.norm(1, keepdim: true).clamp_min(NormEpsilon);
}
