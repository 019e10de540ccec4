using FiSAO.Verifier.Commands;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Hosting;

// The command tree (VerifierCli): no subcommand serves; --help and the subcommands start no web host.
return await VerifierCli.RunAsync(args, Console.Out, Console.Error, Serve);

static Task<int> Serve(string[] args)
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddVerifier(args);
    var app = builder.Build();
    try
    {
        app.MapVerifier();
    }
    catch (VerifierStartupException e)
    {
        Console.Error.WriteLine($"fisao-verifier: {e.Message}");
        return Task.FromResult(VerifierCli.UsageError);
    }
    app.Run();
    return Task.FromResult(0);
}

/// <summary>Entry point, visible to tests that host the verifier in-process.</summary>
public partial class Program;
