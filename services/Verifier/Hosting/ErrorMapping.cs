using FiSAO.Models.Imaging;
using FiSAO.Verifier.Inference;

namespace FiSAO.Verifier.Hosting;

/// <summary>Turns the exceptions of bad input and back-pressure into <see cref="VerifierException"/>s, so the
/// gRPC and REST surfaces answer them with the same status and message.</summary>
public static class ErrorMapping
{
    public static bool TryMap(Exception exception, out VerifierException error)
    {
        error = exception switch
        {
            VerifierException v => v,
            QueueFullException full => VerifierException.Busy(full.Message),
            // An absurd image (decompression bomb) is refused before decoding: bad input, not a size-limit breach
            // of the message, so INVALID_ARGUMENT like any other undecodable image.
            InvalidImageException image => VerifierException.Invalid($"Invalid image: {image.Message}"),
            _ => null!,
        };
        return error is not null;
    }
}
