using Grpc.Core;

namespace FiSAO.Verifier.Hosting;

/// <summary>A request the verifier refuses: the gRPC status, the HTTP status of the REST surface, and a message
/// that names the problem.</summary>
public sealed class VerifierException(StatusCode code, string message, int? httpStatus = null) : Exception(message)
{
    public StatusCode Code { get; } = code;
    public int HttpStatus { get; } = httpStatus ?? HttpStatusFor(code);

    public static VerifierException Invalid(string message) => new(StatusCode.InvalidArgument, message);
    public static VerifierException NotFound(string message) => new(StatusCode.NotFound, message);
    /// <summary>An image over the size limit: INVALID_ARGUMENT (never worth retrying, unlike RESOURCE_EXHAUSTED, which
    /// clients retry as back-pressure), HTTP 413. A whole gRPC message over the limit is RESOURCE_EXHAUSTED from gRPC itself.</summary>
    public static VerifierException TooLarge(string message) =>
        new(StatusCode.InvalidArgument, message, StatusCodes.Status413PayloadTooLarge);
    /// <summary>Back-pressure: RESOURCE_EXHAUSTED, HTTP 429.</summary>
    public static VerifierException Busy(string message) =>
        new(StatusCode.ResourceExhausted, message, StatusCodes.Status429TooManyRequests);

    public static int HttpStatusFor(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.Cancelled => 499,
        StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
