using Grpc.Core;

namespace FiSAO.Cli;

/// <summary>What <c>fisao</c> returns; scripts may rely on these (README.md lists them).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary>A fault of fisao itself (please report it).</summary>
    public const int Unexpected = 1;
    /// <summary>Bad command line, or a local file that is missing or malformed. Nothing was sent.</summary>
    public const int Usage = 2;
    /// <summary>No verifier answered: unreachable, down, timed out (UNAVAILABLE, DEADLINE_EXCEEDED, open circuit).</summary>
    public const int Unavailable = 3;
    /// <summary>The verifier refused the input (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED: too large or still
    /// busy after retries, FAILED_PRECONDITION, OUT_OF_RANGE), or declined to apply a calibration.</summary>
    public const int Rejected = 4;
    /// <summary>Missing or wrong API key (UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    public const int Unauthenticated = 5;
    /// <summary>The verifier failed (INTERNAL, UNKNOWN, UNIMPLEMENTED, ...).</summary>
    public const int ServerError = 6;
    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;

    public static int For(StatusCode code) => code switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition
            or StatusCode.OutOfRange or StatusCode.AlreadyExists => Rejected,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Unauthenticated,
        // Our own cancellation arrives as OperationCanceledException; a cancelled call otherwise means a replica went away.
        StatusCode.Cancelled => Unavailable,
        _ => ServerError,
    };
}
