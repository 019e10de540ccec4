using System.Text.Json;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using Microsoft.AspNetCore.Mvc;

namespace FiSAO.Verifier.Rest;

/// <summary>REST for people and scripts, over the same engine as gRPC. Swagger UI at /swagger.</summary>
public static class RestEndpoints
{
    public static IEndpointRouteBuilder MapVerifierRest(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("verifier");

        v1.MapPost("/score", ScoreAsync)
            .DisableAntiforgery()
            .WithSummary("Token rewards for an image and a caption")
            .WithDescription("multipart/form-data: `image` (a PNG/JPEG/WebP/GIF/BMP file) and either `text` (a caption; " +
                             "the service splits it into words) or `tokens` (a JSON array of the policy's token strings); " +
                             "optionally `calibration_id` to score with that calibration instead of the active one (404 if unknown).")
            .Produces<ScoreResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapPost("/embed", EmbedAsync)
            .DisableAntiforgery()
            .WithSummary("Projected, unnormalised CLIP features of a text or an image")
            // One endpoint reads both bodies itself: declaring two Accepts types would make routing refuse the first.
            .WithDescription("Either JSON `{\"text\": \"...\"}` or multipart/form-data with an `image` file " +
                             "(e.g. `curl -F image=@scene.png .../v1/embed`).")
            .Produces<EmbedResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        v1.MapGet("/info", (VerifierEngine engine) => Results.Ok(engine.Describe()))
            .WithSummary("Model, entity set, calibration, settings and limits");
        return app;
    }

    static async Task<IResult> ScoreAsync(IFormFile image, [FromForm] string? text, [FromForm] string? tokens,
        [FromForm(Name = "calibration_id")] string? calibrationId, VerifierEngine engine, CancellationToken cancellationToken)
    {
        return await Answer(async () =>
        {
            var bytes = await ReadImage(image, engine, cancellationToken);
            ScoredResponse scored;
            if (!string.IsNullOrWhiteSpace(tokens))
            {
                if (!string.IsNullOrEmpty(text)) throw VerifierException.Invalid("Send either `text` or `tokens`, not both.");
                scored = await engine.ScoreAsync(ImageInput.FromBytes(bytes), ParseTokens(tokens), FiSAO.Rewards.Alignment.TokenFormat.Auto, cancellationToken,
                    calibrationId);
            }
            else if (!string.IsNullOrWhiteSpace(text))
                scored = await engine.ScoreTextAsync(ImageInput.FromBytes(bytes), text, cancellationToken, calibrationId);
            else
                throw VerifierException.Invalid("Send a caption in `text` or the policy's tokens in `tokens` (a JSON array of strings).");
            return Results.Ok(ScoreResult.From(scored));
        });
    }

    static async Task<IResult> EmbedAsync(HttpRequest request, VerifierEngine engine, CancellationToken cancellationToken)
    {
        return await Answer(async () =>
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancellationToken);
                var file = form.Files.GetFile("image") ?? throw VerifierException.Invalid("The form has no `image` file.");
                var bytes = await ReadImage(file, engine, cancellationToken);
                var (features, imageId) = await engine.EmbedImageAsync(ImageInput.FromBytes(bytes), cancellationToken);
                return Results.Ok(new EmbedResult(features, engine.ModelId, imageId));
            }
            EmbedTextBody? body;
            try { body = await request.ReadFromJsonAsync<EmbedTextBody>(cancellationToken); }
            catch (JsonException e) { throw VerifierException.Invalid($"The body is not valid JSON: {e.Message}"); }
            catch (InvalidOperationException) { throw VerifierException.Invalid("Send JSON {\"text\": \"...\"} or a multipart form with an `image` file."); }
            if (body?.Text is null) throw VerifierException.Invalid("The JSON body needs a \"text\" (\"\" is allowed: it embeds as HF's CLIP does).");
            return Results.Ok(new EmbedResult(await engine.EmbedTextAsync(body.Text, cancellationToken), engine.ModelId, null));
        });
    }

    static async Task<ReadOnlyMemory<byte>> ReadImage(IFormFile? file, VerifierEngine engine, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0) throw VerifierException.Invalid("The `image` file is missing or empty.");
        if (file.Length > engine.Limits.MaxImageBytes)
            throw VerifierException.TooLarge($"The image file has {file.Length} bytes; the limit is {engine.Limits.MaxImageBytes}.");
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    static IReadOnlyList<string> ParseTokens(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json)
                   ?? throw VerifierException.Invalid("`tokens` must be a JSON array of strings.");
        }
        catch (JsonException e) { throw VerifierException.Invalid($"`tokens` must be a JSON array of strings: {e.Message}"); }
    }

    static async Task<IResult> Answer(Func<Task<IResult>> handler)
    {
        try { return await handler(); }
        catch (Exception e) when (ErrorMapping.TryMap(e, out var error))
        {
            return Results.Problem(title: error.Code.ToString(), detail: error.Message, statusCode: error.HttpStatus);
        }
    }
}

public sealed record EmbedTextBody(string Text);

public sealed record EmbedResult(float[] Embedding, string Model, string? ImageId);

public sealed record MentionResult(string Surface, string Entity, int TokenStart, int TokenEnd, float Score, float Reward, string Verdict);

/// <param name="CalibrationId">The calibration the rewards used (content hash); null when uncalibrated.</param>
public sealed record ScoreResult(IReadOnlyList<string> Tokens, float[] Rewards, IReadOnlyList<MentionResult> Mentions,
    string ImageId, string ModelId, bool Calibrated, string? CalibrationId)
{
    public static ScoreResult From(ScoredResponse s) => new(s.Tokens, s.Rewards,
        s.Mentions.Select(m => new MentionResult(m.Surface, m.Entity, m.TokenStart, m.TokenEnd, m.Score, m.Reward,
            m.Verdict.ToString().ToLowerInvariant())).ToList(), s.ImageId, s.ModelId, s.Calibrated, s.CalibrationId);
}
