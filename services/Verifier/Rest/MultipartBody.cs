using System.Buffers;
using System.Text;
using FiSAO.Verifier.Hosting;
using Microsoft.Net.Http.Headers;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// A multipart/form-data body read into one array in memory (RFC 7578), never buffered to temporary files as ASP.NET's
/// form reader does with files over 64 KiB. The parts are found as the body arrives (a vectorised search for the
/// delimiter), so an image over the image limit is refused with 413 as soon as that many bytes of it have arrived, before
/// the rest of the body is read, and a body announced over the message limit before any of it is read. The image is a
/// slice of the body: no copy. (ASP.NET's MultipartReader scans byte by byte and copies each section: 0.46 ms for a
/// 172 KiB image against 0.03 ms for the search here, measured on the project machine.) The body's array is rented from
/// the shared pool and returned on <see cref="Dispose"/>, so a request allocates no large array (a fresh one per request
/// cost a large-object allocation, its zeroing and the full collections they cause); <see cref="Image"/> is valid until then.
/// </summary>
public sealed class MultipartBody : IDisposable
{
    /// <summary>Text fields (caption, tokens as JSON, calibration id) are small; a field over this is refused.</summary>
    public const int MaxFieldBytes = 4 * 1024 * 1024;

    /// <summary>The headers of one part (Content-Disposition, Content-Type) fit in this many bytes.</summary>
    const int MaxPartHeaderBytes = 16 * 1024;

    readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    byte[]? _rented;

    public ReadOnlyMemory<byte> Image { get; private set; }
    public bool HasImage { get; private set; }

    public string? Field(string name) => _fields.GetValueOrDefault(name);

    public static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A body announced over the message limit is refused before it is read.</summary>
    public static void CheckLength(HttpRequest request, LimitsOptions limits)
    {
        if (request.ContentLength > limits.MaxMessageBytes)
            throw VerifierException.TooLarge($"The body has {request.ContentLength} bytes; the limit is {limits.MaxMessageBytes}.");
    }

    public static async Task<MultipartBody> ReadAsync(HttpRequest request, LimitsOptions limits, CancellationToken cancellationToken)
    {
        CheckLength(request, limits);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 70 } boundary)
            throw VerifierException.Invalid("The multipart/form-data body has no valid boundary in its Content-Type.");
        var parser = new Parser(Encoding.ASCII.GetBytes("\r\n--" + boundary), limits);
        // Sized from Content-Length, but a large announcement alone reserves at most 1 MiB: the array grows as bytes arrive.
        // The pool may hand out a longer array; the limit applies to the bytes read, not to its length.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 64 * 1024, 1024 * 1024));
        try
        {
            var filled = 0;
            while (!parser.Done)
            {
                if (filled == buffer.Length)
                {
                    if (filled >= limits.MaxMessageBytes)
                        throw VerifierException.TooLarge($"The body has more than {limits.MaxMessageBytes} bytes (the limit).");
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, limits.MaxMessageBytes));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var room = (int)Math.Min(buffer.Length - filled, limits.MaxMessageBytes + 1L - filled);
                var read = await request.Body.ReadAsync(buffer.AsMemory(filled, room), cancellationToken);
                if (read == 0) throw VerifierException.Invalid("The multipart body ends before its closing boundary.");
                filled += read;
                if (filled > limits.MaxMessageBytes)
                    throw VerifierException.TooLarge($"The body has more than {limits.MaxMessageBytes} bytes (the limit).");
                parser.Advance(buffer, filled);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        parser.Body._rented = buffer;
        return parser.Body;
    }

    /// <summary>Returns the body's array to the pool: <see cref="Image"/> must not be read after this.</summary>
    public void Dispose()
    {
        if (_rented is { } rented)
        {
            (_rented, Image) = (null, default);
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The parse state over the body's bytes so far; <see cref="Advance"/> goes as far as they allow.</summary>
    sealed class Parser(byte[] delimiter, LimitsOptions limits)
    {
        enum State { Preamble, AfterBoundary, Headers, Content, Done }

        State _state = State.Preamble;
        int _position;      // next unparsed byte
        int _searchFrom;    // where the next delimiter search starts (bytes before it cannot start one)
        int _partStart;
        string _partName = "";

        public MultipartBody Body { get; } = new();
        public bool Done => _state == State.Done;

        public void Advance(byte[] buffer, int filled)
        {
            while (true)
            {
                var data = buffer.AsSpan(0, filled);
                switch (_state)
                {
                    case State.Preamble:
                    {
                        // The body starts with "--boundary" (the delimiter without its CRLF), after an optional preamble.
                        var first = delimiter.AsSpan(2);
                        var at = data[_position..].IndexOf(first);
                        if (at < 0) { CheckBound(filled - _position, MaxPartHeaderBytes, "The multipart body has no opening boundary."); return; }
                        _position += at + first.Length;
                        _state = State.AfterBoundary;
                        break;
                    }
                    case State.AfterBoundary:
                    {
                        if (filled - _position < 2) return;
                        if (data[_position] == '-' && data[_position + 1] == '-') { _state = State.Done; return; }
                        var eol = data[_position..].IndexOf("\r\n"u8);   // after optional transport padding
                        if (eol < 0) { CheckBound(filled - _position, 256, "A multipart boundary line is malformed."); return; }
                        _position += eol + 2;
                        _state = State.Headers;
                        break;
                    }
                    case State.Headers:
                    {
                        var end = data[_position..].IndexOf("\r\n\r\n"u8);
                        var empty = data[_position..].StartsWith("\r\n"u8);
                        if (end < 0 && !empty) { CheckBound(filled - _position, MaxPartHeaderBytes, "A multipart part's headers are too long."); return; }
                        var headerLength = empty ? 0 : end;
                        _partName = NameOf(data.Slice(_position, headerLength));
                        _position += empty ? 2 : end + 4;
                        _partStart = _searchFrom = _position;
                        _state = State.Content;
                        break;
                    }
                    case State.Content:
                    {
                        var at = data[_searchFrom..].IndexOf(delimiter);
                        if (at < 0)
                        {
                            _searchFrom = Math.Max(_partStart, filled - delimiter.Length + 1);
                            CheckPartSize(filled - _partStart - delimiter.Length);
                            return;
                        }
                        var end = _searchFrom + at;
                        CheckPartSize(end - _partStart);
                        if (_partName == "image")
                        {
                            Body.Image = buffer.AsMemory(_partStart, end - _partStart);
                            Body.HasImage = true;
                        }
                        else if (_partName.Length > 0)
                            Body._fields[_partName] = Encoding.UTF8.GetString(data[_partStart..end]);
                        _position = end + delimiter.Length;
                        _state = State.AfterBoundary;
                        break;
                    }
                    default:
                        return;
                }
            }
        }

        void CheckPartSize(int size)
        {
            if (_partName == "image" && size > limits.MaxImageBytes)
                throw VerifierException.TooLarge($"The image file has more than {limits.MaxImageBytes} bytes (the limit); {size} had arrived when it was refused.");
            if (_partName != "image" && size > MaxFieldBytes)
                throw VerifierException.TooLarge($"The form field `{_partName}` has more than {MaxFieldBytes} bytes.");
        }

        static void CheckBound(int size, int limit, string message)
        {
            if (size > limit) throw VerifierException.Invalid(message);
        }

        static string NameOf(ReadOnlySpan<byte> headers)
        {
            foreach (var line in Encoding.UTF8.GetString(headers).Split("\r\n"))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase) &&
                    ContentDispositionHeaderValue.TryParse(line[(colon + 1)..].Trim(), out var disposition))
                    return HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            }
            return "";
        }
    }
}
