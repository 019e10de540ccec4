using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using TokenFormat = FiSAO.Rewards.Alignment.TokenFormat;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// One REST score request, the counterpart of gRPC's <c>ScoreTokensRequest</c>: an image (its bytes, or the id of one
/// the verifier holds) and the response as a caption (<see cref="Text"/>) or as the policy's tokens. The JSON body of
/// <c>POST /v1/score</c>, an item of <c>POST /v1/score/batch</c>; a multipart form becomes one too.
/// </summary>
/// <param name="ImageId">The <c>image_id</c> of an earlier answer (SHA-256 of the bytes): scores without sending the image again.</param>
/// <param name="ImageBase64">The encoded image (PNG, JPEG, WebP, GIF, BMP), base64.</param>
/// <param name="Text">A caption; the service splits it into words, which become the tokens.</param>
/// <param name="Tokens">The policy's token strings (SentencePiece, byte-level BPE, WordPiece or plain pieces).</param>
/// <param name="TokenFormat">How to read <see cref="Tokens"/>; absent: detected from the pieces.</param>
/// <param name="CalibrationId">Score with this calibration instead of the active one (404 when unknown).</param>
public sealed record ScoreRequest(string? ImageId = null, byte[]? ImageBase64 = null, string? Text = null,
    IReadOnlyList<string>? Tokens = null, TokenFormat? TokenFormat = null, string? CalibrationId = null)
{
    /// <summary>Scores the request on the engine gRPC uses; <paramref name="uploaded"/> is a multipart form's image file,
    /// valid only during the call.</summary>
    public Task<ScoredResponse> ScoreAsync(VerifierEngine engine, CancellationToken cancellationToken, ReadOnlyMemory<byte> uploaded = default)
    {
        var image = ImageOf(uploaded);
        var hasTokens = Tokens is { Count: > 0 };
        var hasText = !string.IsNullOrWhiteSpace(Text);
        if (hasTokens && hasText) throw VerifierException.Invalid("Send either `text` or `tokens`, not both.");
        if (hasTokens)
            return engine.ScoreAsync(image, Tokens!, TokenFormat ?? FiSAO.Rewards.Alignment.TokenFormat.Auto, cancellationToken, CalibrationId);
        if (hasText) return engine.ScoreTextAsync(image, Text!, cancellationToken, CalibrationId);
        throw VerifierException.Invalid("Send a caption in `text` or the policy's tokens in `tokens` (an array of strings).");
    }

    ImageInput ImageOf(ReadOnlyMemory<byte> uploaded)
    {
        var sources = (string.IsNullOrEmpty(ImageId) ? 0 : 1) + (ImageBase64 is null ? 0 : 1) + (uploaded.IsEmpty ? 0 : 1);
        if (sources > 1) throw VerifierException.Invalid("Send one image: `image_id`, `image_base64` or an `image` file, not several.");
        if (!string.IsNullOrEmpty(ImageId)) return ImageInput.FromId(ImageId);
        if (ImageBase64 is not null)
            return ImageBase64.Length > 0 ? ImageInput.FromBytes(ImageBase64) : throw VerifierException.Invalid("`image_base64` is empty.");
        if (!uploaded.IsEmpty) return ImageInput.FromBorrowedBytes(uploaded);   // a multipart body's pooled array
        throw VerifierException.Invalid("The request has no image: send `image_base64` (the encoded image), `image_id` " +
                                        "(from an earlier answer) or a multipart `image` file.");
    }
}
