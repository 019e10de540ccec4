using System.Diagnostics;
using FiSAO.Client.Testing;

namespace FiSAO.Client.Tests.DefaultVerifier;

/// <summary><c>--help</c> prints the run contract and exits; it starts no server and builds no model.</summary>
public sealed class HelpTests
{
    [Fact]
    public async Task Help_prints_usage_and_exits_without_starting_the_server()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(VerifierProcess.AssemblyPath);
        start.ArgumentList.Add("--help");
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        var text = await output;
        Assert.Contains("Usage:", text);
        Assert.Contains("--model DIR", text);
        Assert.DoesNotContain("Now listening", text);
    }
}
