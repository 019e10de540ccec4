using System.Diagnostics;
using FiSAO.Cli.Tests.Support;
using FiSAO.Client.Testing;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Cli.Tests.Commands;

public class ExitCodeTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task A_missing_image_file_exits_2_before_anything_is_sent()
    {
        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", "/no/such/scene.png", "--text", "a dog");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("fisao: score: cannot read the image '/no/such/scene.png': no such file", run.Error.TrimEnd());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("score", "--image")]
    [InlineData("info", "--server", "ftp://x")]
    [InlineData("info", "--timeout", "-1")]
    public async Task Bad_command_lines_exit_2_with_one_line_on_stderr(params string[] args)
    {
        var run = await Fisao.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("fisao: ", run.Error);
    }

    [Fact]
    public async Task A_server_nobody_runs_exits_3()
    {
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        var run = await Fisao.RunAsync("info", "--server", address, "--timeout", "5");
        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Equal($"fisao: info: no answer from the verifier at {address} (UNAVAILABLE: Error connecting to subchannel: Connection refused)", run.Error.TrimEnd());
    }

    [Fact]
    public async Task Input_the_verifier_refuses_exits_4()
    {
        var notAnImage = fixture.File("notes.txt", "not an image");
        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", notAnImage, "--text", "a dog");
        Assert.Equal(ExitCodes.Rejected, run.ExitCode);
        Assert.StartsWith("fisao: score: the verifier refused the request (INVALID_ARGUMENT: Invalid image:", run.Error);
    }

    [Fact]
    public async Task A_missing_api_key_exits_5_and_the_right_one_works_on_every_command()
    {
        await using var guarded = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string> { ["Verifier:ApiKey"] = "s3cret" });
        var image = fixture.File("key.png", TestImages.Png(21));

        var denied = await Fisao.RunAsync("info", "--server", guarded.Address);
        Assert.Equal(ExitCodes.Unauthenticated, denied.ExitCode);
        Assert.Contains("UNAUTHENTICATED", denied.Error);

        Assert.Equal(ExitCodes.Ok, (await Fisao.RunAsync("info", "--server", guarded.Address, "--api-key", "s3cret")).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await Fisao.RunAsync("score", "--server", guarded.Address, "--api-key", "s3cret", "--image", image, "--text", "a dog")).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await Fisao.RunAsync("embed", "--server", guarded.Address, "--api-key", "s3cret", "--text", "a dog")).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await Fisao.RunAsync("bench", "--server", guarded.Address, "--api-key", "s3cret", "--duration", "0.2", "--concurrency", "1")).ExitCode);
        Assert.Equal(ExitCodes.Unauthenticated, (await Fisao.RunAsync("embed", "--server", guarded.Address, "--api-key", "guess", "--text", "a dog")).ExitCode);
    }

    [Fact]
    public async Task The_installed_program_returns_the_same_codes_and_keeps_json_on_stdout_and_errors_on_stderr()
    {
        var ok = await RunProcessAsync("embed", "--server", fixture.Verifier.Address, "--text", "a dog");
        Assert.Equal(ExitCodes.Ok, ok.ExitCode);
        Assert.StartsWith("{\"embedding\":[", ok.Out);
        Assert.Empty(ok.Error);

        var refused = await RunProcessAsync("info", "--server", $"http://127.0.0.1:{FreePort.Next()}", "--timeout", "5");
        Assert.Equal(ExitCodes.Unavailable, refused.ExitCode);
        Assert.Empty(refused.Out);
        Assert.Single(refused.Error.TrimEnd().Split('\n'));
    }

    /// <summary>Runs FiSAO.Cli.dll (copied next to the tests with its runtimeconfig) as its own process.</summary>
    static async Task<CliRun> RunProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(FisaoCli).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliRun(process.ExitCode, await output, await error);
    }
}
