using System.CommandLine;
using FiSAO.Client;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FiSAO.Cli;

/// <summary>Runs a command's body with a client, and turns every failure into one stderr line and an exit code.</summary>
internal sealed class CommandRunner(CliIo io, CommonOptions common)
{
    public CliIo Io => io;
    public CommonOptions Common => common;

    public void SetAction(Command command, Func<ParseResult, FiSAOVerifierClient, CancellationToken, Task<int>> body, int maxAttempts = 3) =>
        command.SetAction((parse, cancellationToken) => RunAsync(command.Name, parse, body, maxAttempts, cancellationToken));

    async Task<int> RunAsync(string name, ParseResult parse, Func<ParseResult, FiSAOVerifierClient, CancellationToken, Task<int>> body,
        int maxAttempts, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new FiSAOVerifierClient(common.ClientOptions(parse, maxAttempts));
            return await body(parse, client, cancellationToken);
        }
        catch (CliException e)
        {
            io.Fail($"{name}: {e.Message}");
            return e.ExitCode;
        }
        catch (OptionsValidationException e)
        {
            io.Fail($"{name}: {string.Join(" ", e.Failures)}");
            return ExitCodes.Usage;
        }
        catch (RpcException e)
        {
            io.Fail($"{name}: {Describe(e, common.Describe(parse))}");
            return ExitCodes.For(e.StatusCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            io.Fail($"{name}: interrupted.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            io.Fail($"{name}: unexpected {e.GetType().Name}: {e.Message} (a fisao bug: please report it).");
            return ExitCodes.Unexpected;
        }
    }

    internal static string Describe(RpcException e, string server) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
            $"no answer from the verifier at {server} ({StatusNames.Of(e.StatusCode)}: {e.Status.Detail.TrimEnd('.')}{Cause(e)})",
        StatusCode.Unauthenticated or StatusCode.PermissionDenied =>
            $"the verifier at {server} refused the API key ({StatusNames.Of(e.StatusCode)}: {e.Status.Detail}); pass --api-key or set FISAO_API_KEY",
        _ => $"the verifier refused the request ({StatusNames.Of(e.StatusCode)}: {e.Status.Detail})",
    };

    /// <summary>The innermost client-side cause, e.g. "Connection refused", when the status carries one.</summary>
    static string Cause(RpcException e)
    {
        var cause = e.Status.DebugException;
        while (cause?.InnerException is not null) cause = cause.InnerException;
        return cause is null || e.Status.Detail.Contains(cause.Message, StringComparison.Ordinal) ? "" : $": {cause.Message.TrimEnd('.')}";
    }
}
