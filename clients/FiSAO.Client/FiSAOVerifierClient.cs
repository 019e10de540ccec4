using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using VerifierGrpc = FiSAO.Verifier.V1.Verifier;

namespace FiSAO.Client;

/// <summary>
/// The typed client of the FiSAO verifier: one long-lived <see cref="GrpcChannel"/> balancing round-robin over the
/// replicas, a Polly pipeline around every call, and <see cref="ScoreBatchAsync"/> for trainers. Thread-safe; create
/// one per set of replicas and keep it (it owns the connections). Dispose it to close them.
/// </summary>
public sealed class FiSAOVerifierClient : IFiSAOVerifierClient, IDisposable
{
    readonly GrpcChannel _channel;
    readonly VerifierGrpc.VerifierClient _grpc;
    readonly VerifierCallPipeline _calls;
    readonly ImageRegistry _known;
    readonly FiSAOClientOptions _options;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; the message lists every problem.</exception>
    public FiSAOVerifierClient(FiSAOClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        FiSAOClientOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        var endpoints = VerifierEndpoints.Parse(options.Addresses, options.UseTls).Endpoints!;
        _channel = VerifierChannelFactory.Create(options, endpoints, loggerFactory);
        CallInvoker invoker = _channel.CreateCallInvoker();
        if (!string.IsNullOrEmpty(options.ApiKey) || !string.IsNullOrEmpty(options.AdminApiKey))
        {
            var (key, admin) = (options.ApiKey, options.AdminApiKey);
            invoker = invoker.Intercept(metadata =>
            {
                if (!string.IsNullOrEmpty(key)) metadata.Add("x-api-key", key);
                if (!string.IsNullOrEmpty(admin)) metadata.Add("x-admin-key", admin);
                return metadata;
            });
        }
        _grpc = new VerifierGrpc.VerifierClient(invoker);
        _calls = new VerifierCallPipeline(options.Resilience, loggerFactory);
        _known = new ImageRegistry(options.Batch.KnownImageCapacity);
    }

    /// <summary>A client with default settings for the given addresses (see <see cref="FiSAOClientOptions.Addresses"/>).</summary>
    public static FiSAOVerifierClient Create(params string[] addresses) => new(new FiSAOClientOptions { Addresses = [.. addresses] });

    public CircuitState CircuitState => _calls.CircuitState;

    /// <summary>The channel, e.g. for the standard gRPC health service.</summary>
    public GrpcChannel Channel => _channel;

    public Task<ScoreBatchResult> ScoreBatchAsync(IReadOnlyList<ScoreItem> items, TokenFormat tokenFormat = TokenFormat.Auto,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i]?.Tokens is null) throw new ArgumentException($"Item {i} is null or has no token list.", nameof(items));
        }
        if (items.Count == 0)
            return Task.FromResult(new ScoreBatchResult([], new BatchStatistics(0, 0, 0, 0, 0, 0, 0, 0)));
        var run = new BatchRun(items, tokenFormat, _known, _options.Batch, _options.Resilience,
            (request, options) => _grpc.ScoreTokensBatchAsync(request, options), _calls, _options.CalibrationId);
        return run.RunAsync(cancellationToken);
    }

    public async Task<ScoreTokensResponse> ScoreAsync(ReadOnlyMemory<byte> image, IReadOnlyList<string> tokens,
        TokenFormat tokenFormat = TokenFormat.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var id = ImageId.Of(image.Span);
        var request = new ScoreTokensRequest { TokenFormat = tokenFormat, Tokens = { tokens }, CalibrationId = _options.CalibrationId ?? "" };
        if (_known.Contains(id))
        {
            request.Image = new ImageRef { ImageId = id };
            try { return await ScoreTokensAsync(request, cancellationToken).ConfigureAwait(false); }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // This replica does not hold the image (another replica does, or it restarted): send the bytes.
            }
        }
        request.Image = new ImageRef { Data = UnsafeByteOperations.UnsafeWrap(image) };
        var response = await ScoreTokensAsync(request, cancellationToken).ConfigureAwait(false);
        _known.Add(id);
        return response;
    }

    public Task<ScoreTokensResponse> ScoreTokensAsync(ScoreTokensRequest request, CancellationToken cancellationToken = default) =>
        _calls.ExecuteAsync("ScoreTokens", options => _grpc.ScoreTokensAsync(request, options), cancellationToken);

    public Task<ScoreTokensBatchResponse> ScoreTokensBatchAsync(ScoreTokensBatchRequest request, CancellationToken cancellationToken = default) =>
        _calls.ExecuteAsync("ScoreTokensBatch", options => _grpc.ScoreTokensBatchAsync(request, options), cancellationToken);

    public Task<EmbedResponse> EmbedImageAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default)
    {
        var request = new EmbedRequest { Image = new ImageRef { Data = UnsafeByteOperations.UnsafeWrap(image) } };
        return _calls.ExecuteAsync("Embed", options => _grpc.EmbedAsync(request, options), cancellationToken);
    }

    public Task<EmbedResponse> EmbedTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var request = new EmbedRequest { Text = text };
        return _calls.ExecuteAsync("Embed", options => _grpc.EmbedAsync(request, options), cancellationToken);
    }

    public Task<CalibrateResponse> CalibrateAsync(CalibrateRequest request, CancellationToken cancellationToken = default) =>
        _calls.ExecuteAsync("Calibrate", options => _grpc.CalibrateAsync(request, options), cancellationToken);

    public Task<GetInfoResponse> GetInfoAsync(CancellationToken cancellationToken = default) =>
        _calls.ExecuteAsync("GetInfo", options => _grpc.GetInfoAsync(new GetInfoRequest(), options), cancellationToken);

    public void Dispose() => _channel.Dispose();
}
