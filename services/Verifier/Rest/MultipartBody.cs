using System.Text;
using FiSAO.Verifier.Hosting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// A multipart/form-data body read into memory section by section, never buffered to temporary files (ASP.NET's form
/// reader writes files over 64 KiB to disk): the image file is copied into one array sized from Content-Length and
/// refused with 413 as soon as it passes the image limit, before the rest of the body is read; text fields have a bound
/// too. A body whose Content-Length is over the message limit is refused before any of it is read.
/// </summary>
public sealed class MultipartBody
{
    /// <summary>Text fields (caption, tokens as JSON, calibration id) are small; a field over this is refused.</summary>
    public const int MaxFieldBytes = 4 * 1024 * 1024;

    readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public ReadOnlyMemory<byte> Image { get; private set; }
    public bool HasImage { get; private set; }

    public string? Field(string name) => _fields.GetValueOrDefault(name);

    public static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;

    public static async Task<MultipartBody> ReadAsync(HttpRequest request, LimitsOptions limits, CancellationToken cancellationToken)
    {
        CheckLength(request, limits);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
            throw VerifierException.Invalid("The multipart/form-data body has no boundary in its Content-Type.");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limits.MaxMessageBytes };
        var body = new MultipartBody();
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name == "image")
                {
                    var size = (int)Math.Min(request.ContentLength ?? 64 * 1024, limits.MaxImageBytes + 1L);
                    var (bytes, length) = await ReadBoundedAsync(section.Body, size, limits.MaxImageBytes, cancellationToken,
                        n => VerifierException.TooLarge($"The image file has more than {limits.MaxImageBytes} bytes (the limit); read {n} before refusing it."));
                    body.Image = bytes.AsMemory(0, length);
                    body.HasImage = true;
                }
                else
                {
                    var (bytes, length) = await ReadBoundedAsync(section.Body, 256, MaxFieldBytes, cancellationToken,
                        _ => VerifierException.TooLarge($"The form field `{name}` has more than {MaxFieldBytes} bytes."));
                    body._fields[name] = Encoding.UTF8.GetString(bytes, 0, length);
                }
            }
        }
        catch (InvalidDataException e)
        {
            // MultipartReader's own limits (body, section headers) and malformed framing.
            throw e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? VerifierException.TooLarge($"The multipart body is too large: {e.Message}")
                : VerifierException.Invalid($"The multipart body is malformed: {e.Message}");
        }
        return body;
    }

    /// <summary>A body announced over the message limit is refused before it is read.</summary>
    public static void CheckLength(HttpRequest request, LimitsOptions limits)
    {
        if (request.ContentLength > limits.MaxMessageBytes)
            throw VerifierException.TooLarge($"The body has {request.ContentLength} bytes; the limit is {limits.MaxMessageBytes}.");
    }

    static async Task<(byte[] Bytes, int Length)> ReadBoundedAsync(Stream source, int initialSize, int limit,
        CancellationToken cancellationToken, Func<int, VerifierException> tooLarge)
    {
        var buffer = new byte[Math.Max(1, initialSize)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > limit) throw tooLarge(length);
                Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, limit + 1L));
            }
            var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
            if (length > limit) throw tooLarge(length);
        }
        return (buffer, length);
    }
}
