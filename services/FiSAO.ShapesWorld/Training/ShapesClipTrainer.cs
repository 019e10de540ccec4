using System.Diagnostics;
using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// Trains a <see cref="ClipModel"/> on shapes-world scenes with two symmetric InfoNCE losses:
/// <list type="bullet">
/// <item>image–caption: the usual CLIP loss over the batch (each image's caption is its positive);</item>
/// <item>image–object-word: every surface form of the vocabulary ("mouse", "mice", "traffic cone", …) against every image
/// of the batch. Multi-positive InfoNCE: for each (image, word) pair whose object is in the image, the word must beat
/// the words of absent objects for that image (image -> word), and the image must beat the images without that object
/// for that word (word -> image). The second direction puts the word's score on a scale that is comparable across
/// images, which is what a token-level verifier with one global threshold needs.</item>
/// </list>
/// AdamW with linear warm-up and cosine decay, gradient clipping, logit scale clamped at ln 100 as in CLIP.
/// </summary>
public sealed class ShapesClipTrainer
{
    private static readonly double MaxLogitScale = Math.Log(100);

    public ShapesClipTrainer(ClipModel model, ClipTokenizer tokenizer, TrainingOptions options)
    {
        options.Validate();
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
        View = new ClipTrainingView(model);
        WordBias = new TorchSharp.Modules.Parameter(torch.zeros(1));
        Pixels = new ScenePixels(ShapesClipConfig.Preprocessing(options.Scenes.ImageSize));
    }

    public ClipModel Model { get; }
    public ClipTokenizer Tokenizer { get; }
    public TrainingOptions Options { get; }
    public ClipTrainingView View { get; }
    public ScenePixels Pixels { get; }

    /// <summary>The training-only bias of the sigmoid word loss (not part of the saved CLIP).</summary>
    public TorchSharp.Modules.Parameter WordBias { get; }

    /// <summary>Creates a model of <see cref="TrainingOptions.Size"/> for the tokenizer, seeded.</summary>
    public static ClipModel CreateModel(ClipTokenizer tokenizer, TrainingOptions options)
    {
        torch.manual_seed(options.Seed);
        var config = ShapesClipConfig.Create(options.Size, tokenizer.VocabularySize, options.Scenes.ImageSize, tokenizer.ModelMaxLength);
        if (config.TextConfig.BosTokenId != tokenizer.BosId || config.TextConfig.EosTokenId != tokenizer.EosId)
            throw new InvalidOperationException("The tokenizer's BOS/EOS are not the last two ids; build it with WorldTokenizer.");
        var model = new ClipModel(config);
        ClipInitializer.ApplyHfInit(model, options.Seed);
        return model;
    }

    /// <summary>Generates the training scenes and trains. Returns the per-epoch summaries.</summary>
    public IReadOnlyList<TrainingProgress> Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Options.Threads > 0) torch.set_num_threads(Options.Threads);
        var scenes = new SceneGenerator(Options.Seed, Options.Scenes).Generate(0, Options.TrainScenes);
        return Train(scenes, progress, cancellationToken);
    }

    /// <summary>Trains on the given scenes.</summary>
    public IReadOnlyList<TrainingProgress> Train(IReadOnlyList<Scene> scenes, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (Options.Threads > 0) torch.set_num_threads(Options.Threads);
        torch.manual_seed(Options.Seed);
        int size = Options.Scenes.ImageSize;
        int batch = Math.Min(Options.BatchSize, scenes.Count);
        int stepsPerEpoch = scenes.Count / batch; // drop the ragged last batch: contrastive batches stay full
        long totalSteps = (long)stepsPerEpoch * Options.Epochs;
        long warmup = Math.Max(1, (long)(totalSteps * Options.WarmupFraction));

        var surfaces = ShapesVocabulary.SurfaceForms;
        var words = Tokenizer.EncodeBatch(surfaces.Select(s => s.Surface).ToList());
        using var wordIds = torch.tensor(words.InputIds, [words.BatchSize, words.SequenceLength]);
        using var wordMask = torch.tensor(words.AttentionMask, [words.BatchSize, words.SequenceLength]);
        var nounIndex = ShapesVocabulary.Nouns.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var surfaceNoun = surfaces.Select(s => nounIndex[s.Noun]).ToArray();

        var (decay, noDecay) = View.ParameterGroups();
        var optimizer = torch.optim.AdamW(
        [
            new AdamW.ParamGroup(decay, new AdamW.Options { LearningRate = Options.LearningRate, weight_decay = Options.WeightDecay }),
            new AdamW.ParamGroup(noDecay.Append(WordBias), new AdamW.Options { LearningRate = Options.LearningRate, weight_decay = 0 }),
        ], Options.LearningRate);

        Model.train();
        var order = Enumerable.Range(0, scenes.Count).ToArray();
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
                double seen = 0;
                for (int s = 0; s < stepsPerEpoch; s++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    step++;
                    double lr = step <= warmup
                        ? Options.LearningRate * step / warmup
                        : Options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

                    var items = order.Skip(s * batch).Take(batch).Select(i => scenes[i]).ToList();
                    sum = sum.Add(Step(items, wordIds, wordMask, surfaceNoun, optimizer));
                    seen++;
                    var report = new TrainingProgress(epoch, Options.Epochs, s + 1, stepsPerEpoch, sum.Loss / seen, sum.CaptionHits / sum.Images,
                        sum.WordHits / sum.Images, Math.Exp(View.LogitScale.ToDouble()), watch.Elapsed, EndOfEpoch: s + 1 == stepsPerEpoch)
                    {
                        CaptionLoss = sum.CaptionLoss / seen,
                        WordLoss = sum.WordLoss / seen,
                        PatchLoss = sum.PatchLoss / seen,
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
            optimizer.Dispose();
        }
        return summaries;
    }

    private readonly record struct StepStats(double Loss, double CaptionLoss, double WordLoss, double PatchLoss, double Images,
        double CaptionHits, double WordHits, double PatchHits, double Patches)
    {
        public StepStats Add(StepStats o) => new(Loss + o.Loss, CaptionLoss + o.CaptionLoss, WordLoss + o.WordLoss, PatchLoss + o.PatchLoss,
            Images + o.Images, CaptionHits + o.CaptionHits, WordHits + o.WordHits, PatchHits + o.PatchHits, Patches + o.Patches);
    }

    private StepStats Step(IReadOnlyList<Scene> items, Tensor wordIds, Tensor wordMask,
        int[] surfaceNoun, OptimizerHelper optimizer)
    {
        using var scope = torch.NewDisposeScope();
        int b = items.Count, v = surfaceNoun.Length;
        var pixels = Pixels.ToTensor(items.Select(i => i.Rgb).ToList(), Options.Scenes.ImageSize, Options.Scenes.ImageSize);
        var captions = Tokenizer.EncodeBatch(items.Select(i => i.Caption).ToList());
        var capIds = torch.tensor(captions.InputIds, [captions.BatchSize, captions.SequenceLength]);
        var capMask = torch.tensor(captions.AttentionMask, [captions.BatchSize, captions.SequenceLength]);
        var positive = new bool[b * v];
        for (int i = 0; i < b; i++)
            for (int w = 0; w < v; w++)
                positive[i * v + w] = items[i].Objects.ContainsKey(ShapesVocabulary.Nouns[surfaceNoun[w]].Name);
        var pos = torch.tensor(positive, [b, v]);

        var (imageRaw, patchRaw) = View.ImageAndPatchFeatures(pixels);
        var image = Normalize(imageRaw);
        var caption = Normalize(View.TextFeatures(capIds, capMask));
        var word = Normalize(View.TextFeatures(wordIds, wordMask));
        var scale = View.LogitScale.exp();

        var capLogits = scale * image.matmul(caption.t());
        var targets = torch.arange(b, dtype: ScalarType.Int64);
        var captionLoss = (nn.functional.cross_entropy(capLogits, targets) + nn.functional.cross_entropy(capLogits.t(), targets)) / 2;

        var wordLogits = scale * image.matmul(word.t());
        var wordLoss = MultiPositiveInfoNce(wordLogits, pos);
        var loss = Options.CaptionLossWeight * captionLoss + Options.WordLossWeight * wordLoss;
        if (Options.WordSigmoidWeight > 0)
            loss = loss + Options.WordSigmoidWeight * nn.functional.binary_cross_entropy_with_logits(wordLogits + WordBias, pos.to(ScalarType.Float32));
        if (Options.WordSeparationWeight > 0)
        {
            var same = torch.tensor(surfaceNoun.SelectMany(a => surfaceNoun.Select(c => a == c)).ToArray(), [v, v]);
            var notSelf = torch.eye(v, dtype: ScalarType.Bool).logical_not();
            var sepLogits = (scale * word.matmul(word.t())).masked_fill(notSelf.logical_not(), -1e4);
            loss = loss + Options.WordSeparationWeight * MultiPositiveInfoNce(sepLogits, same.logical_and(notSelf));
        }
        double patchLossValue = 0, patchHits = 0, patches = 0;
        if (Options.PatchLossWeight > 0)
        {
            int patch = Model.Config.VisionConfig.PatchSize;
            var labels = items.SelectMany(i => PatchLabels(i, patch, Options.PatchMinCoverage)).ToArray();
            if (labels.Any(l => l >= 0))
            {
                // Singular forms are the even rows of the word matrix (SurfaceForms lists singular, plural per noun).
                var nouns = word.index_select(0, torch.arange(0, v, 2, dtype: ScalarType.Int64));
                var patchLogits = scale * Normalize(patchRaw).matmul(nouns.t());
                var target = torch.tensor(labels, [labels.Length]);
                var patchLoss = nn.functional.cross_entropy(patchLogits.reshape(-1, nouns.shape[0]), target, ignore_index: -1);
                loss = loss + Options.PatchLossWeight * patchLoss;
                patchLossValue = patchLoss.ToDouble();
                var labelled = target.ge(0);
                patches = labelled.sum().ToDouble();
                patchHits = patchLogits.reshape(-1, nouns.shape[0]).argmax(1).eq(target).logical_and(labelled).sum().ToDouble();
            }
        }

        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(Model.parameters(), Options.MaxGradNorm);
        optimizer.step();
        using (torch.no_grad()) View.LogitScale.clamp_(0, MaxLogitScale);

        int capHits = capLogits.argmax(1).eq(targets).sum().ToInt32();
        var best = wordLogits.argmax(1);
        int wordHits = pos.gather(1, best.unsqueeze(1)).sum().ToInt32();
        return new StepStats(loss.ToDouble(), captionLoss.ToDouble(), wordLoss.ToDouble(), patchLossValue, b, capHits, wordHits, patchHits, patches);
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
        var negatives = logits.masked_fill(positive, -1e4);
        var rowLse = negatives.logsumexp(1, keepdim: true);
        var colLse = negatives.logsumexp(0, keepdim: true);
        var posF = positive.to(ScalarType.Float32);
        var count = posF.sum().clamp_min(1);
        var imageToWord = ((torch.logaddexp(logits, rowLse) - logits) * posF).sum() / count;
        var wordToImage = ((torch.logaddexp(logits, colLse) - logits) * posF).sum() / count;
        return ((imageToWord + wordToImage) / 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per patch of the vision grid (row-major), the noun index of the object covering most of it when it covers at
    /// least <paramref name="minCoverage"/> of the patch, else -1.
    /// </summary>
    public static long[] PatchLabels(Scene scene, int patchSize, double minCoverage)
    {
        int grid = scene.Width / patchSize;
        var labels = new long[grid * grid];
        var counts = new int[scene.Instances.Count];
        for (int gy = 0; gy < grid; gy++)
            for (int gx = 0; gx < grid; gx++)
            {
                Array.Clear(counts);
                for (int y = gy * patchSize; y < (gy + 1) * patchSize; y++)
                    for (int x = gx * patchSize; x < (gx + 1) * patchSize; x++)
                        if (scene.Owner[y * scene.Width + x] is var o && o >= 0) counts[o]++;
                int best = -1;
                for (int i = 0; i < counts.Length; i++)
                    if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) best = i;
                labels[gy * grid + gx] = best >= 0 && counts[best] >= minCoverage * patchSize * patchSize
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

    internal static Tensor Normalize(Tensor x) => x / x.norm(1, keepdim: true).clamp_min(1e-6);
}
