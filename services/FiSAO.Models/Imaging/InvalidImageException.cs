namespace FiSAO.Models.Imaging;

/// <summary>Why an encoded image was refused.</summary>
public enum InvalidImageReason
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>The bytes are not a format the decoder knows.</summary>
    UnknownFormat,

    /// <summary>The header declares a zero width or height.</summary>
    ZeroSize,

    /// <summary>The header declares more pixels than the configured limit (a decompression bomb guard).</summary>
    TooLarge,

    /// <summary>The data ends before the image does.</summary>
    Truncated,

    /// <summary>The data is damaged or uses a feature the decoder cannot handle.</summary>
    Corrupt,
}

/// <summary>
/// A caller-supplied image that cannot be used: the input's fault, never the service's (map it to INVALID_ARGUMENT).
/// The message names the problem, e.g. "image is 40000x40000 = 1.6 G pixels; the limit is 50 M pixels".
/// </summary>
public sealed class InvalidImageException : Exception
{
    public InvalidImageException(InvalidImageReason reason, string message, Exception? innerException = null, int? imageIndex = null)
        : base(imageIndex is int i ? $"image {i}: {message}" : message, innerException)
    {
        Reason = reason;
        ImageIndex = imageIndex;
        Detail = message;
    }

    public InvalidImageReason Reason { get; }

    /// <summary>Position of the image in the batch, when it came from one.</summary>
    public int? ImageIndex { get; }

    /// <summary>The message without the batch position.</summary>
    public string Detail { get; }

    internal InvalidImageException WithIndex(int index) => new(Reason, Detail, InnerException, index);
}
