using System.Text.Json;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// REST for people and scripts, over the same engine as gRPC. Swagger UI at /swagger; the bodies, examples and error
/// answers are documented by <see cref="RestOpenApi"/>. Every error is application/problem+json.
/// </summary>
public static class RestEndpoints
{
    const string Json = "application/json";
    const string Multipart = "multipart/form-data";

    public static IEndpointRouteBuilder MapVerifierRest(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("verifier");

        v1.MapPost("/score", ScoreAsync)
            .WithName("Score")
            .WithSummary("Token rewards for an image and a caption (or the policy's tokens)")
            .WithDescription("JSON: `image_base64` (an encoded image) or `image_id` (the `image_id` of an earlier answer: the " +
                             "image is not sent again), and either `text` (a caption; the service splits it into words) or " +
                             "`tokens` (the policy's token strings). Multipart/form-data: an `image` file and `text` or " +
                             "`tokens` (a JSON array of strings). Optionally `calibration_id` to score with that calibration " +
                             "instead of the active one (404 if unknown).")
            .Produces<ScoreResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapPost("/score/batch", ScoreBatchAsync)
            .WithName("ScoreBatch")
            .WithSummary("Many score requests in one call; answers in request order, a bad item fails alone")
            .WithDescription("A JSON array of score requests (as `POST /v1/score` takes them). Items run together, so their " +
                             "images share encoder batches; an item that refers to an image sent by an earlier item of the " +
                             "same batch waits for it. Each answer holds `result` or `error` (status, title, detail).")
            .Produces<List<BatchItemResult>>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        v1.MapPost("/embed", EmbedAsync)
            .WithName("Embed")
            .WithSummary("Projected, unnormalised CLIP features of a text or an image")
            .WithDescription("Either JSON `{\"text\": \"...\"}` or multipart/form-data with an `image` file " +
                             "(e.g. `curl -F image=@scene.png .../v1/embed`). `\"\"` embeds as HF's CLIP embeds it.")
            .Produces<EmbedResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapGet("/info", (VerifierEngine engine) => TypedResults.Ok(engine.Describe()))
            .WithName("Info")
            .WithSummary("Model, entity set, calibration, settings and limits")
            .Produces<VerifierDescription>();

        // HEAD answers as GET does, without the body (Kestrel drops it); kept out of the OpenAPI document.
        v1.MapMethods("/info", ["HEAD"], (VerifierEngine engine) => TypedResults.Ok(engine.Describe())).ExcludeFromDescription();

        // The gRPC host's catch-all for unknown services matches any two-segment path with any method, so routing alone
        // answers a wrong method on these paths with 404; an explicit 405 (with Allow) says what is wrong.
        foreach (var (pattern, allowed) in new[] { ("/score", "POST"), ("/score/batch", "POST"), ("/embed", "POST"), ("/info", "GET, HEAD") })
            v1.MapMethods(pattern, OtherMethods(allowed), (HttpContext context) =>
            {
                context.Response.Headers.Allow = allowed;
                return TypedResults.Problem(detail: $"{context.Request.Method} is not allowed on {context.Request.Path}; use {allowed}.",
                    statusCode: StatusCodes.Status405MethodNotAllowed);
            }).ExcludeFromDescription();
        return app;
    }

    static string[] OtherMethods(string allowed) =>
        new[] { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" }.Where(m => !allowed.Split(", ").Contains(m)).ToArray();

    static Task<IResult> ScoreAsync(HttpContext context, VerifierEngine engine) => Answer(context, async cancellationToken =>
    {
        var request = context.Request;
        if (MultipartBody.IsMultipart(request))
        {
            using var form = await MultipartBody.ReadAsync(request, engine.Limits, cancellationToken);
            if (!form.HasImage) throw VerifierException.Invalid("The form has no `image` file.");
            if (form.Image.IsEmpty) throw VerifierException.Invalid("The `image` file is empty.");
            var scoreRequest = new ScoreRequest(Text: form.Field("text"), Tokens: ParseTokens(form.Field("tokens")),
                CalibrationId: form.Field("calibration_id"));
            return ScoreResult.From(await scoreRequest.ScoreAsync(engine, cancellationToken, form.Image));
        }
        var body = await ReadJsonAsync<ScoreRequest>(request, engine, "a score request object", cancellationToken);
        return ScoreResult.From(await body.ScoreAsync(engine, cancellationToken));
    });

    static Task<IResult> ScoreBatchAsync(HttpContext context, VerifierEngine engine) => Answer(context, async cancellationToken =>
    {
        var items = await ReadJsonAsync<List<ScoreRequest?>>(context.Request, engine, "a JSON array of score requests", cancellationToken);
        if (items.Count == 0) throw VerifierException.Invalid("The batch has no items.");
        if (items.Count > engine.Limits.MaxBatchItems)
            throw VerifierException.Invalid($"The batch has {items.Count} items; the limit is {engine.Limits.MaxBatchItems}.");
        // All items run concurrently so their images share encoder batches; answers keep request order (as gRPC's batch).
        return await Task.WhenAll(items.Select(item => ScoreItem(item, engine, cancellationToken)));
    });

    static async Task<BatchItemResult> ScoreItem(ScoreRequest? item, VerifierEngine engine, CancellationToken cancellationToken)
    {
        try
        {
            if (item is null) throw VerifierException.Invalid("The item is null: send a score request object.");
            return new BatchItemResult(ScoreResult.From(await item.ScoreAsync(engine, cancellationToken)), null);
        }
        catch (Exception e) when (ErrorMapping.TryMap(e, out var error))
        {
            return new BatchItemResult(null, new ItemProblem(error.HttpStatus, error.Code.ToString(), error.Message));
        }
    }

    static Task<IResult> EmbedAsync(HttpContext context, VerifierEngine engine) => Answer(context, async cancellationToken =>
    {
        var request = context.Request;
        if (MultipartBody.IsMultipart(request))
        {
            using var form = await MultipartBody.ReadAsync(request, engine.Limits, cancellationToken);
            if (!form.HasImage || form.Image.IsEmpty) throw VerifierException.Invalid("The form has no `image` file, or it is empty.");
            var (features, imageId) = await engine.EmbedImageAsync(ImageInput.FromBorrowedBytes(form.Image), cancellationToken);
            return new EmbedResult(features, engine.ModelId, imageId);
        }
        var body = await ReadJsonAsync<EmbedTextBody>(request, engine, "{\"text\": \"...\"}", cancellationToken);
        if (body.Text is null) throw VerifierException.Invalid("The JSON body needs a \"text\" (\"\" is allowed: it embeds as HF's CLIP does).");
        return new EmbedResult(await engine.EmbedTextAsync(body.Text, cancellationToken), engine.ModelId, null);
    });

    /// <summary>A JSON body, or 415 for another content type (e.g. a form where JSON or multipart is expected).</summary>
    static async Task<T> ReadJsonAsync<T>(HttpRequest request, VerifierEngine engine, string expected, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
            throw new VerifierException(global::Grpc.Core.StatusCode.InvalidArgument,
                $"Content-Type '{request.ContentType ?? "(none)"}' is not accepted here: send {Json} ({expected})" +
                (request.Path.StartsWithSegments("/v1/score/batch") ? "." : $" or {Multipart}."),
                StatusCodes.Status415UnsupportedMediaType);
        MultipartBody.CheckLength(request, engine.Limits);
        try
        {
            return await request.ReadFromJsonAsync<T>(cancellationToken)
                   ?? throw VerifierException.Invalid($"The body is JSON null; send {expected}.");
        }
        catch (JsonException e) { throw VerifierException.Invalid($"The body is not {expected}: {e.Message}"); }
    }

    static IReadOnlyList<string>? ParseTokens(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json)
                   ?? throw VerifierException.Invalid("`tokens` must be a JSON array of strings.");
        }
        catch (JsonException e) { throw VerifierException.Invalid($"`tokens` must be a JSON array of strings: {e.Message}"); }
    }

    /// <summary>The handler's value as JSON, or its refusal as problem details; 429 tells when to retry.</summary>
    static async Task<IResult> Answer<T>(HttpContext context, Func<CancellationToken, Task<T>> handler)
    {
        try { return TypedResults.Ok(await handler(context.RequestAborted)); }
        catch (Exception e) when (ErrorMapping.TryMap(e, out var error) || TryMapHttp(e, out error))
        {
            if (error.HttpStatus == StatusCodes.Status429TooManyRequests)
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The gRPC status name where it is the status's own (e.g. NotFound); otherwise the HTTP reason (413, 415).
            var title = error.HttpStatus == VerifierException.HttpStatusFor(error.Code) ? error.Code.ToString() : null;
            return TypedResults.Problem(title: title, detail: error.Message, statusCode: error.HttpStatus);
        }
    }

    /// <summary>Seconds a client should wait after a 429: the encoding queue drains in well under a second at batch 32.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>Kestrel's own refusals while reading the body (over MaxRequestBodySize: 413; a truncated body: 400).</summary>
    static bool TryMapHttp(Exception e, out VerifierException error)
    {
        error = e is BadHttpRequestException bad
            ? new VerifierException(global::Grpc.Core.StatusCode.InvalidArgument, bad.Message, bad.StatusCode)
            : null!;
        return error is not null;
    }
}
