using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace FiSAO.Trainer.Demo;

/// <summary>
/// The verifier the demo trains against: the built FiSAO.Verifier.dll as a child process on a loopback port, serving the
/// shapes CLIP with the world's entity list and a calibration file. Also runs its <c>calibrate</c> command.
/// </summary>
public sealed class VerifierHost : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;

    private VerifierHost(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    public static string AssemblyPath => typeof(VerifierHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FiSAO.Verifier.Path").Value!;

    /// <summary>Runs <c>FiSAO.Verifier calibrate</c> (Eq. 7 baselines from samples with ground truth) and returns its output.</summary>
    public static string Calibrate(string clip, string entities, string samples, string output, string dataDirectory)
    {
        using var process = Process.Start(Start(["calibrate", "--model", clip, "--entities", entities, "--samples", samples, "--out", output,
            "--data-dir", dataDirectory, "--Verifier:TorchThreads", "1"]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"verifier calibrate failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        return stdout.Result.Trim();
    }

    public static Task<VerifierHost> StartAsync(string clip, string entities, string calibration, string dataDirectory) =>
        StartAsync(["--model", clip, "--entities", entities, "--calibration", calibration, "--data-dir", dataDirectory,
            "--Verifier:TorchThreads", "1"], TimeSpan.FromMinutes(3), log: null);

    /// <summary>
    /// The verifier's built-in model (no <c>--model</c>): the shapes-world CLIP, its entity list and calibration, shipped
    /// with the verifier and installed into <paramref name="dataDirectory"/> on start (seconds; its log lines go to
    /// <paramref name="log"/>). Batch-invariant encoding: an image's score must not depend on which other images happened
    /// to share its encoder batch, or two runs of the demo drift apart. The calibration this run applies is kept in a
    /// folder of its own: a later run starts from the built-in calibration, not from this run's policy calibration.
    /// </summary>
    public static Task<VerifierHost> StartDefaultAsync(string dataDirectory, Action<string> log) =>
        StartAsync(["--data-dir", dataDirectory, "--Verifier:Batching:BatchInvariant", "true",
            "--Verifier:CalibrationDirectory", Path.Combine(dataDirectory, $"calibrations-{Environment.ProcessId}-{Guid.NewGuid():N}")],
            TimeSpan.FromMinutes(30), log);

    private static async Task<VerifierHost> StartAsync(string[] arguments, TimeSpan timeout, Action<string>? log)
    {
        var port = FreePort();
        var address = $"http://127.0.0.1:{port}";
        var start = Start([.. arguments, "--urls", address]);
        if (log is not null) start.Environment["Logging__LogLevel__FiSAO"] = "Information";
        var process = Process.Start(start)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Remember(string? line)
        {
            if (line is null) return;
            lines.Enqueue(line);
            // Console logger lines: "info: Category[0]" then the message indented on the next line.
            if (log is not null && line.StartsWith("      ", StringComparison.Ordinal)) log("verifier: " + line.Trim());
        }
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new VerifierHost(process, address);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"The verifier exited with {process.ExitCode}:\n{string.Join('\n', lines)}");
            try
            {
                using var response = await Http.GetAsync($"{address}/healthz");
                if (response.IsSuccessStatusCode) return host;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (watch.Elapsed > timeout)
            {
                host.Dispose();
                throw new TimeoutException($"The verifier did not become healthy within {timeout.TotalMinutes:F0} min:\n{string.Join('\n', lines)}");
            }
            await Task.Delay(100);
        }
    }

    private static ProcessStartInfo Start(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AssemblyPath)!,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        return start;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    /// <summary>The model folder a verifier serves (GET /v1/info).</summary>
    public static async Task<string> ModelPathAsync(string address)
    {
        using var info = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync($"{address.TrimEnd('/')}/v1/info"));
        return info.RootElement.GetProperty("model_path").GetString()
               ?? throw new InvalidOperationException("The verifier's /v1/info has no model_path.");
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
    }
}
