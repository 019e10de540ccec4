using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using FiSAO.Verifier.Http;

namespace FiSAO.Verifier.Grpc;

/// <summary>The gRPC face of the verifier: maps the contract onto <see cref="VerifierEngine"/>. Errors become statuses in
/// <see cref="ErrorInterceptor"/>; only batch and stream items catch their own, to answer them per item.</summary>
public sealed class VerifierGrpcService(VerifierEngine engine, IOptions<VerifierOptions> options) : V1.Verifier.VerifierBase
{
    public override async Task<ScoreTokensResponse> ScoreTokens(ScoreTokensRequest request, ServerCallContext context)
    {
        var scored = await ScoreOne(request, context.CancellationToken);
        return ProtoMapping.ToProto(scored, request.RequestId);
    }

    public override async Task<ScoreTokensBatchResponse> ScoreTokensBatch(ScoreTokensBatchRequest request, ServerCallContext context)
    {
        if (request.Items.Count == 0) throw VerifierException.Invalid("The batch has no items.");
        if (request.Items.Count > engine.Limits.MaxBatchItems)
            throw VerifierException.Invalid($"The batch has {request.Items.Count} items; the limit is {engine.Limits.MaxBatchItems}.");
        // All items run concurrently so their images share encoder batches; answers keep request order.
        var results = await Task.WhenAll(request.Items.Select(item => ScoreItem(item, context.CancellationToken)));
        var response = new ScoreTokensBatchResponse();
        response.Results.AddRange(results);
        return response;
    }

    public override async Task ScoreTokensStream(IAsyncStreamReader<ScoreTokensRequest> requestStream,
        IServerStreamWriter<ScoreTokensResult> responseStream, ServerCallContext context)
    {
        // Requests are started as they arrive (pipelining); results are written in request order.
        var pending = System.Threading.Channels.Channel.CreateBounded<Task<ScoreTokensResult>>(engine.Limits.MaxBatchItems);
        var writer = Task.Run(async () =>
        {
            await foreach (var result in pending.Reader.ReadAllAsync(context.CancellationToken))
                await responseStream.WriteAsync(await result, context.CancellationToken);
        });
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
                await pending.Writer.WriteAsync(ScoreItem(request, context.CancellationToken), context.CancellationToken);
        }
        finally { pending.Writer.TryComplete(); }
        await writer;
    }

    public override async Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        var response = new EmbedResponse { ModelId = engine.ModelId };
        switch (request.InputCase)
        {
            case EmbedRequest.InputOneofCase.Image:
                var (features, imageId) = await engine.EmbedImageAsync(ProtoMapping.ToInput(request.Image), context.CancellationToken);
                response.Embedding.AddRange(features);
                response.ImageId = imageId;
                break;
            case EmbedRequest.InputOneofCase.Text:
                response.Embedding.AddRange(await engine.EmbedTextAsync(request.Text, context.CancellationToken));
                break;
            default:
                throw VerifierException.Invalid("Embed needs an image or a text.");
        }
        return response;
    }

    public override async Task<CalibrateResponse> Calibrate(CalibrateRequest request, ServerCallContext context)
    {
        // Checked before any work: a refused apply computes nothing and changes nothing.
        if (request.Apply && !ApiKey.Matches(NullIfEmpty(options.Value.AdminApiKey), context.RequestHeaders.GetValue(ApiKey.AdminHeader)))
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "Calibrate with apply changes the calibration of every replica: it needs the admin key in the x-admin-key header."));
        var samples = request.Samples.Select(ProtoMapping.ToSample).ToList();
        var outcome = await engine.CalibrateAsync(samples, request.Apply, context.CancellationToken, ProtoMapping.ToCount(request.Count));
        return ProtoMapping.ToProto(outcome);
    }

    public override Task<GetInfoResponse> GetInfo(GetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToProto(engine.Describe()));

    Task<ScoredResponse> ScoreOne(ScoreTokensRequest request, CancellationToken cancellationToken) =>
        engine.ScoreAsync(ProtoMapping.ToInput(request.Image), request.Tokens, ProtoMapping.ToFormat(request.TokenFormat), cancellationToken,
            request.CalibrationId);

    async Task<ScoreTokensResult> ScoreItem(ScoreTokensRequest request, CancellationToken cancellationToken)
    {
        var result = new ScoreTokensResult { RequestId = request.RequestId };
        try
        {
            result.Response = ProtoMapping.ToProto(await ScoreOne(request, cancellationToken), request.RequestId);
        }
        catch (Exception e) when (ErrorMapping.TryMap(e, out var error))
        {
            result.Error = new ItemError { Code = (int)error.Code, Message = error.Message };
        }
        return result;
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
