namespace FiSAO.Cli;

/// <summary>A problem fisao reports in one line and an exit code, e.g. an image file that cannot be read.</summary>
public sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message, Exception? inner = null) => new(ExitCodes.Usage, message, inner);
}
