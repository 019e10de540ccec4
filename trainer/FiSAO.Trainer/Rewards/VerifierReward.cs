using FiSAO.Client;
using FiSAO.Models.Llava;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rollouts;
using FiSAO.Verifier.V1;
using Microsoft.Extensions.Logging;

namespace FiSAO.Trainer.Rewards;

/// <summary>
/// Token rewards from the FiSAO verifier: the rollout batch goes through <see cref="FiSAOVerifierClient.ScoreBatchAsync"/>
/// as (image, SentencePiece pieces) items, each distinct image uploaded once. The client's Polly pipeline retries
/// UNAVAILABLE / DEADLINE_EXCEEDED / broken connections with backoff and waits out an open circuit within
/// <c>reward.total_timeout_seconds</c>, so a verifier restart costs retries, not the step. An item the verifier refuses
/// (e.g. an image it cannot decode) gets zero rewards and is counted in <see cref="FailedItems"/>. The sentence-level
/// ablation is <see cref="SentenceReward"/>, which uses this class for the mentions.
/// </summary>
public sealed class VerifierReward : IRewardSource
{
    private readonly FiSAOVerifierClient _client;
    private readonly bool _firstMentionOnly;
    private readonly ILoggerFactory _loggers;

    public VerifierReward(RewardSettings settings, ILoggerFactory? loggerFactory = null)
    {
        _firstMentionOnly = settings.RepeatedMentions == RepeatedMentions.First;
        _loggers = loggerFactory ?? new StderrLoggerFactory();
        var options = new FiSAOClientOptions
        {
            Addresses = [.. settings.VerifierAddresses],
            ApiKey = settings.ApiKey,
            Resilience = new VerifierResilienceOptions
            {
                MaxAttempts = settings.MaxAttempts,
                TotalTimeout = TimeSpan.FromSeconds(settings.TotalTimeoutSeconds),
                AttemptTimeout = TimeSpan.FromSeconds(Math.Min(60, settings.TotalTimeoutSeconds)),
            },
        };
        _client = new FiSAOVerifierClient(options, _loggers);
    }

    public int FailedItems { get; private set; }

    /// <summary>The verifier client (the sentence reward's Embed RPCs go through it too).</summary>
    public FiSAOVerifierClient Client => _client;

    public IReadOnlyList<ResponseRewards> Score(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses) =>
        // Blocking on purpose: the training loop holds TorchSharp dispose scopes, which are thread-static.
        ScoreAsync(samples, responses).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<ResponseRewards>> ScoreAsync(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses,
        CancellationToken cancellationToken = default)
    {
        var items = samples.Select((s, i) => new ScoreItem(s.Image, responses[i].Pieces
            ?? throw new InvalidOperationException("The generator returned no pieces."))).ToList();
        var results = await _client.ScoreBatchAsync(items, TokenFormat.SentencePiece, cancellationToken).ConfigureAwait(false);
        var scored = new List<ResponseRewards>(results.Count);
        foreach (var result in results)
        {
            var n = responses[result.Index].TokenIds.Count;
            if (!result.IsSuccess)
            {
                FailedItems++;
                scored.Add(new ResponseRewards(new float[n], []));
                continue;
            }
            var response = result.Response!;
            var rewards = response.Rewards.ToArray();
            if (rewards.Length != n)
                throw new InvalidDataException($"The verifier returned {rewards.Length} rewards for {n} tokens.");
            if (_firstMentionOnly) WithoutRepeatBonus(rewards, response.Mentions);
            var truth = samples[result.Index].Objects is { } objects ? new HashSet<string>(objects, StringComparer.OrdinalIgnoreCase) : null;
            var mentions = response.Mentions.Select(m =>
                new MentionReward(m.Entity, m.Score, m.Reward, truth?.Contains(m.Entity) ?? false, VerdictOf(m.Verdict), m.TokenStart, m.TokenEnd)).ToList();
            scored.Add(new ResponseRewards(rewards, mentions));
        }
        return scored;
    }

    private static MentionVerdict VerdictOf(Verdict verdict) => verdict switch
    {
        Verdict.Correct => MentionVerdict.Correct,
        Verdict.Hallucinated => MentionVerdict.Hallucinated,
        _ => MentionVerdict.Neutral,
    };

    /// <summary>
    /// The Eq. 7 baselines from responses with known objects (the paper calibrates on the policy's own generated
    /// responses): one Calibrate call with every (image, SentencePiece pieces, ground truth); with
    /// <paramref name="apply"/> the verifier makes the result its active calibration (until it restarts).
    /// <paramref name="count"/>: every mention one observation, or each response's set of objects (Eq. 7's |O^i|).
    /// </summary>
    public async Task<CalibrateResponse> CalibrateAsync(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses, bool apply,
        FiSAO.Rewards.CalibrationCount count = FiSAO.Rewards.CalibrationCount.Mentions, CancellationToken cancellationToken = default)
    {
        var request = new CalibrateRequest
        {
            Apply = apply,
            Count = count == FiSAO.Rewards.CalibrationCount.Sets ? CalibrationCount.Sets : CalibrationCount.Mentions,
        };
        for (var i = 0; i < samples.Count; i++)
        {
            var tokens = new TokenList { TokenFormat = TokenFormat.SentencePiece };
            tokens.Tokens.Add(responses[i].Pieces ?? throw new InvalidOperationException("The generator returned no pieces."));
            request.Samples.Add(new CalibrationSample
            {
                Image = new ImageRef { Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(samples[i].Image) },
                Tokens = tokens,
                GroundTruthObjects = { samples[i].Objects ?? throw new InvalidOperationException($"Sample {samples[i].Index} has no ground-truth objects.") },
            });
        }
        return await _client.CalibrateAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// reward.repeated_mentions = first: a mention of an object the response already named earns no positive reward (its
    /// tokens' positive rewards become 0); a negative reward stays, since a repeated hallucination is still one.
    /// </summary>
    internal static void WithoutRepeatBonus(float[] tokenRewards, IEnumerable<EntityMention> mentions)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in mentions.OrderBy(m => m.TokenStart))
        {
            if (named.Add(m.Entity)) continue;
            for (var t = m.TokenStart; t < m.TokenEnd; t++)
                if (tokenRewards[t] > 0) tokenRewards[t] = 0;
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _loggers.Dispose();
    }
}

/// <summary>Polly logs a warning per retry and breaker transition: plain lines on stderr (stdout holds the progress).</summary>
internal sealed class StderrLoggerFactory : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class StderrLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            // Polly reports every attempt and then the retry event: one line per retry is enough.
            if (message.StartsWith("Execution attempt", StringComparison.Ordinal)) return;
            Console.Error.WriteLine($"[{logLevel}] {category}: {message}");
        }
    }
}
