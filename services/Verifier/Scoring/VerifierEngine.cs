using System.Collections.Concurrent;
using System.Security.Cryptography;
using FiSAO.Models.Imaging;
using FiSAO.Rewards;
using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;
using FiSAO.Verifier.Calibrations;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Inference;
using FiSAO.Verifier.Model;
using FiSAO.Verifier.Observability;

namespace FiSAO.Verifier.Scoring;

/// <summary>
/// The verifier's scoring core, shared by gRPC and REST: image features (cached by content hash, encoded in
/// batches on one inference thread), entity mentions in the policy's tokens, scores S = scale * cos (METHOD.md
/// section 1) and token rewards (Eq. 8).
/// </summary>
public sealed class VerifierEngine : IDisposable
{
    readonly VerifierModel _model;
    readonly EntityTextFeatures _textFeatures;
    readonly MentionFinder _mentions;
    readonly ChairClassifier _chair;
    readonly RewardSettings _settings;
    readonly LruCache<string, float[]> _imageFeatures;
    readonly ConcurrentDictionary<string, Task<float[]>> _inFlight = new();
    readonly BatchingQueue<EncodeJob, float[]> _encoder;
    readonly ConcurrentDictionary<string, ServedCalibration> _known = new(StringComparer.Ordinal);
    volatile ServedCalibration _active;

    /// <param name="model">The CLIP verifier (image and text towers, tokenizer, preprocessing).</param>
    /// <param name="entities">The entity set: which words name objects.</param>
    /// <param name="textFeatures">The unit text features of every surface form.</param>
    /// <param name="settings">How scores become token rewards (Eq. 8).</param>
    /// <param name="options">Limits, batching and cache settings.</param>
    /// <param name="entitySetSource">Where the entity set came from (reported by <c>GetInfo</c>).</param>
    /// <param name="calibration">The calibration to serve first (from <c>--calibration</c> or the built-in model); null: uncalibrated.</param>
    /// <param name="store">The shared calibration store of the data directory; null: applied calibrations stay in this process.</param>
    public VerifierEngine(VerifierModel model, EntitySet entities, EntityTextFeatures textFeatures, RewardSettings settings,
        Calibration? calibration, VerifierOptions options, string entitySetSource, CalibrationStore? store = null)
    {
        _model = model;
        Entities = entities;
        EntitySetSource = entitySetSource;
        _textFeatures = textFeatures;
        _mentions = new MentionFinder(entities);
        _chair = new ChairClassifier(entities, entities.CocoClasses.Count > 0 ? ChairVocabulary.Coco : ChairVocabulary.AllEntities);
        _settings = settings;
        Store = store;
        _active = calibration is null ? ServedCalibration.Uncalibrated(settings) : Register(ServedCalibration.Of(settings, calibration));
        Limits = options.Limits;
        Batching = options.Batching;
        _imageFeatures = new LruCache<string, float[]>(options.ImageCacheCapacity);
        _encoder = new BatchingQueue<EncodeJob, float[]>("fisao-inference", Encode,
            options.Batching.MaxBatchSize, TimeSpan.FromMilliseconds(options.Batching.MaxQueueDelayMs),
            options.Batching.QueueCapacity, n => VerifierMetrics.EncodeBatchSize.Observe(n));
    }

    public string ModelId => _model.ModelId;
    public VerifierModel Model => _model;
    public EntitySet Entities { get; }
    public string EntitySetSource { get; }
    public LimitsOptions Limits { get; }
    public BatchingOptions Batching { get; }
    public RewardSettings Settings => _settings;
    public RewardFunction Rewarder => _active.Rewarder;

    /// <summary>The id of the calibration served when a request pins none (null: uncalibrated).</summary>
    public string? CalibrationId => _active.Id;

    public CalibrationStore? Store { get; }
    public int QueueDepth => _encoder.Depth;
    public EntityTextFeatures TextFeatures => _textFeatures;
    public LruCache<string, float[]> ImageCache => _imageFeatures;

    /// <param name="image">The image's bytes, or the id of one the verifier holds.</param>
    /// <param name="tokens">The policy's token strings.</param>
    /// <param name="format">How to read <paramref name="tokens"/> (SentencePiece, byte-level BPE, WordPiece, plain, or auto).</param>
    /// <param name="cancellationToken">The caller giving up (an encoding others wait on goes on).</param>
    /// <param name="calibrationId">Pins the calibration the rewards use (NOT_FOUND when unknown); null or empty: the active one.</param>
    public async Task<ScoredResponse> ScoreAsync(ImageInput image, IReadOnlyList<string> tokens, TokenFormat format,
        CancellationToken cancellationToken, string? calibrationId = null)
    {
        CheckTokens(tokens);
        var served = Resolve(calibrationId);
        var (imageId, features) = await ImageFeaturesAsync(image, cancellationToken);
        var mentions = _mentions.FindInTokens(tokens, format);
        return Score(imageId, features, tokens, mentions, served);
    }

    /// <summary>For callers with a caption rather than tokens: the caption is split into words, which become the tokens.</summary>
    public async Task<ScoredResponse> ScoreTextAsync(ImageInput image, string text, CancellationToken cancellationToken,
        string? calibrationId = null)
    {
        var found = _mentions.FindInText(text);
        var tokens = found.Tokens.Select(t => t.Text).ToList();
        CheckTokens(tokens);
        var served = Resolve(calibrationId);
        var (imageId, features) = await ImageFeaturesAsync(image, cancellationToken);
        return Score(imageId, features, tokens, found.Mentions, served);
    }

    public async Task<(float[] Features, string ImageId)> EmbedImageAsync(ImageInput image, CancellationToken cancellationToken)
    {
        var (imageId, features) = await ImageFeaturesAsync(image, cancellationToken);
        return (features, imageId);
    }

    public Task<float[]> EmbedTextAsync(string text, CancellationToken cancellationToken)
    {
        // "" and whitespace embed as <|startoftext|><|endoftext|>, as HF's CLIP does; only a missing text is an error.
        if (text is null) throw VerifierException.Invalid("The text is missing.");
        if (text.Length > 10_000) throw VerifierException.Invalid($"The text has {text.Length} characters; the limit is 10000.");
        return _encoder.EnqueueAsync(EncodeJob.ForText(text), cancellationToken);
    }

    /// <summary>
    /// Eq. 7: classify each mention of each sample against its ground truth and average S per class, over mentions or over
    /// each response's set of objects (<paramref name="count"/>).
    /// </summary>
    public async Task<CalibrationOutcome> CalibrateAsync(IReadOnlyList<CalibrationSampleInput> samples, bool apply,
        CancellationToken cancellationToken, CalibrationCount count = CalibrationCount.Mentions)
    {
        if (samples.Count == 0) throw VerifierException.Invalid("Calibration needs at least one sample.");
        var builder = new CalibrationBuilder { ModelId = ModelId, EntitySetHash = Entities.ContentHash, MentionTemplate = _settings.MentionTemplate };
        var errors = new List<(int, VerifierException)>();
        // A few batches in flight at a time: all samples at once would overflow the encoding queue (and starve other callers).
        using var inFlight = new SemaphoreSlim(Math.Max(1, Math.Min(Batching.MaxBatchSize * 2, Batching.QueueCapacity)));
        var results = await Task.WhenAll(samples.Select(async (sample, index) =>
        {
            await inFlight.WaitAsync(cancellationToken);
            try
            {
                var mentions = sample.Tokens is { } tokens
                    ? _mentions.FindInTokens(tokens, sample.Format)
                    : _mentions.FindInText(sample.Text ?? throw VerifierException.Invalid("The sample has neither text nor tokens.")).Mentions;
                var (_, features) = await ImageFeaturesAsync(sample.Image, cancellationToken);
                var unitImage = EntityTextFeatures.Normalize(features);
                var observations = _chair.Classify(mentions, sample.GroundTruth)
                    .Where(c => c.Verdict is MentionVerdict.Correct or MentionVerdict.Hallucinated)
                    .Select(c => new JudgedScore(c.EvaluatedAs ?? c.Mention.Canonical, ScoreOf(c.Mention.Surface, unitImage), c.Verdict == MentionVerdict.Correct))
                    .ToList();
                return (index, observations, error: (VerifierException?)null);
            }
            catch (Exception e) when (ErrorMapping.TryMap(e, out var error))
            {
                return (index, observations: new List<JudgedScore>(), error);
            }
            finally
            {
                inFlight.Release();
            }
        }));
        foreach (var (index, observations, error) in results.OrderBy(r => r.index))
        {
            if (error is not null) errors.Add((index, error));
            else builder.AddResponse(observations, count);
        }
        Calibration calibration;
        try { calibration = builder.Build(); }
        catch (InvalidOperationException e) { throw VerifierException.Invalid($"Calibration failed: {e.Message}"); }
        if (!apply) return new CalibrationOutcome(calibration, false, null, errors) { CalibrationId = CalibrationStore.IdOf(calibration) };
        ServedCalibration served;
        try { served = ServedCalibration.Of(_settings, calibration); }
        catch (InvalidCalibrationException e)
        {
            // Computed but unusable (e.g. mu_hal > mu_gt): report it, keep serving with the previous calibration.
            return new CalibrationOutcome(calibration, false, e.Message, errors) { CalibrationId = CalibrationStore.IdOf(calibration) };
        }
        // Published first: the other replicas watching the data directory switch to the same artifact.
        Store?.Publish(calibration);
        _active = Register(served);
        return new CalibrationOutcome(calibration, true, null, errors) { CalibrationId = served.Id! };
    }

    /// <summary>
    /// Serves <paramref name="calibration"/> from now on (a replica following the shared store, or start-up); throws
    /// <see cref="InvalidCalibrationException"/> when it is unusable or made for another set-up.
    /// </summary>
    public string Activate(Calibration calibration)
    {
        CheckProvenance(calibration);
        var served = Register(ServedCalibration.Of(_settings, calibration));
        _active = served;
        return served.Id!;
    }

    /// <summary>The active calibration, or the pinned one: known to this process, or stored in the shared data directory.</summary>
    ServedCalibration Resolve(string? calibrationId)
    {
        if (string.IsNullOrEmpty(calibrationId)) return _active;
        if (_known.TryGetValue(calibrationId, out var known)) return known;
        Calibration? stored = null;
        try { stored = Store?.TryLoad(calibrationId); }
        catch (Exception e) when (e is CalibrationLoadException or InvalidCalibrationException or IOException)
        {
            throw VerifierException.NotFound($"The calibration '{calibrationId}' is stored but cannot be read: {e.Message}");
        }
        if (stored is null)
            throw VerifierException.NotFound($"Unknown calibration id '{calibrationId}': this verifier serves " +
                                             $"{(_active.Id is { } id ? $"'{id}'" : "no calibration")} and knows " +
                                             $"{(_known.IsEmpty ? "no other" : string.Join(", ", _known.Keys.Order()))}.");
        try
        {
            CheckProvenance(stored);
            return Register(ServedCalibration.Of(_settings, stored));
        }
        catch (InvalidCalibrationException e)
        {
            throw VerifierException.Invalid($"The calibration '{calibrationId}' cannot be used here: {e.Message}");
        }
    }

    ServedCalibration Register(ServedCalibration served) => _known.GetOrAdd(served.Id!, served);

    void CheckProvenance(Calibration calibration)
    {
        var mismatches = calibration.FindProvenanceMismatches(ModelId, Entities.ContentHash, _settings.MentionTemplate);
        if (mismatches.Count > 0) throw new InvalidCalibrationException(mismatches);
    }

    ScoredResponse Score(string imageId, float[] imageFeatures, IReadOnlyList<string> tokens, IReadOnlyList<EntityMention> mentions,
        ServedCalibration served)
    {
        var unitImage = EntityTextFeatures.Normalize(imageFeatures);
        var scored = mentions.Select(m => new ScoredMention(m.TokenStart, m.TokenEnd, ScoreOf(m.Surface, unitImage))).ToList();
        var result = served.Rewarder.Score(tokens.Count, scored);
        var scoredMentions = new List<MentionScore>(mentions.Count);
        for (int i = 0; i < mentions.Count; i++)
        {
            var r = result.Mentions[i];
            var verdict = r.Branch switch
            {
                RewardBranch.Positive => RewardVerdict.Correct,
                RewardBranch.Negative => RewardVerdict.Hallucinated,
                _ => RewardVerdict.Neutral,
            };
            scoredMentions.Add(new MentionScore(mentions[i].Surface, mentions[i].Canonical, mentions[i].TokenStart,
                mentions[i].TokenEnd, (float)r.Score, (float)(r.Reward ?? 0), verdict));
        }
        return new ScoredResponse(result.TokenRewards ?? new float[tokens.Count], scoredMentions, imageId, ModelId, result.IsCalibrated, tokens)
        {
            CalibrationId = served.Id,
        };
    }

    /// <summary>S = exp(logit_scale) * cos(text features of the mention, image features).</summary>
    double ScoreOf(string surface, float[] unitImage)
    {
        var text = _textFeatures.Of(surface);
        double dot = 0;
        for (int i = 0; i < unitImage.Length; i++) dot += (double)text[i] * unitImage[i];
        return _model.Scale * dot;
    }

    void CheckTokens(IReadOnlyList<string> tokens)
    {
        if (tokens.Count == 0) throw VerifierException.Invalid("The token list is empty.");
        if (tokens.Count > Limits.MaxTokens)
            throw VerifierException.Invalid($"The request has {tokens.Count} tokens; the limit is {Limits.MaxTokens}.");
    }

    async Task<(string ImageId, float[] Features)> ImageFeaturesAsync(ImageInput image, CancellationToken cancellationToken)
    {
        if (image.IsId)
        {
            var id = image.ImageId!;
            if (_imageFeatures.TryGet(id, out var known)) { VerifierMetrics.CacheLookups.WithLabels("hit").Inc(); return (id, known); }
            // Sent with bytes by a request still being encoded (e.g. an earlier item of the same batch): wait for it.
            if (_inFlight.TryGetValue(id, out var pending)) return (id, await pending.WaitAsync(cancellationToken));
            VerifierMetrics.CacheLookups.WithLabels("miss").Inc();
            throw VerifierException.NotFound($"Unknown image id '{id}': this replica does not hold it (never sent, or evicted). Send the image bytes again.");
        }
        if (image.Bytes.IsEmpty) throw VerifierException.Invalid("The request has no image: send encoded image bytes or an image id.");
        if (image.Bytes.Length > Limits.MaxImageBytes)
            throw VerifierException.TooLarge($"The image has {image.Bytes.Length} bytes; the limit is {Limits.MaxImageBytes}.");

        var imageId = Convert.ToHexStringLower(SHA256.HashData(image.Bytes.Span));
        if (_imageFeatures.TryGet(imageId, out var cached)) { VerifierMetrics.CacheLookups.WithLabels("hit").Inc(); return (imageId, cached); }
        VerifierMetrics.CacheLookups.WithLabels("miss").Inc();

        // Identical images arriving together are encoded once. The encoding may outlive this call (its caller cancels while
        // others wait on it), so borrowed bytes are copied first: only on a miss, where decoding and encoding cost far more.
        var task = _inFlight.GetOrAdd(imageId, _ => EncodeImageAsync(imageId, image.Borrowed ? image.Bytes.ToArray() : image.Bytes));
        return (imageId, await task.WaitAsync(cancellationToken));
    }

    async Task<float[]> EncodeImageAsync(string imageId, ReadOnlyMemory<byte> bytes)
    {
        await Task.Yield(); // decode on the thread pool, not inside GetOrAdd
        try
        {
            var pixels = _model.Images.PreprocessImage(bytes.Span);
            var features = await _encoder.EnqueueAsync(EncodeJob.ForImage(pixels));
            _imageFeatures.Set(imageId, features);
            return features;
        }
        finally { _inFlight.TryRemove(imageId, out _); }
    }

    IReadOnlyList<float[]> Encode(IReadOnlyList<EncodeJob> jobs)
    {
        var results = new float[jobs.Count][];
        var images = jobs.Select((j, i) => (j, i)).Where(p => p.j.Pixels is not null).ToList();
        var texts = jobs.Select((j, i) => (j, i)).Where(p => p.j.Text is not null).ToList();
        if (images.Count > 0)
        {
            var features = EncodeAll(images.Select(p => p.j.Pixels!).ToList(), _model.EncodeImages);
            for (int k = 0; k < images.Count; k++) results[images[k].i] = features[k];
        }
        if (texts.Count > 0)
        {
            var features = EncodeAll(texts.Select(p => p.j.Text!).ToList(), _model.EncodeTexts);
            for (int k = 0; k < texts.Count; k++) results[texts[k].i] = features[k];
        }
        return results;
    }

    /// <summary>One forward pass for the batch, or one per input when scores must not depend on the batch.</summary>
    IReadOnlyList<float[]> EncodeAll<T>(IReadOnlyList<T> inputs, Func<IReadOnlyList<T>, float[][]> encode) =>
        Batching.BatchInvariant ? inputs.Select(x => encode([x])[0]).ToList() : encode(inputs);

    public void Dispose() => _encoder.Dispose();

    sealed record EncodeJob(ClipPixelValues? Pixels, string? Text)
    {
        public static EncodeJob ForImage(ClipPixelValues pixels) => new(pixels, null);
        public static EncodeJob ForText(string text) => new(null, text);
    }
}
