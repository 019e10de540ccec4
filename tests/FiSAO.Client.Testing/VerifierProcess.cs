using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace FiSAO.Client.Testing;

/// <summary>
/// The built verifier (<c>dotnet FiSAO.Verifier.dll</c>) as a child process on 127.0.0.1: started, killed (SIGKILL, as
/// a crash or an OOM kill would), and started again on the same port. Nothing is simulated.
/// </summary>
public sealed class VerifierProcess : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    readonly string[] _arguments;
    readonly ConcurrentQueue<string> _log = new();
    Process? _process;

    readonly IReadOnlyDictionary<string, string> _environment;
    readonly TimeSpan _startTimeout;

    VerifierProcess(int port, string[] arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? startTimeout = null)
    {
        Port = port;
        _arguments = arguments;
        _environment = environment ?? new Dictionary<string, string>();
        _startTimeout = startTimeout ?? TimeSpan.FromSeconds(120);
    }

    /// <summary>Where the verifier's build put FiSAO.Verifier.dll (recorded by this project's build).</summary>
    public static string AssemblyPath { get; } = typeof(VerifierProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FiSAO.Verifier.Path").Value!;

    public int Port { get; }
    public string Address => $"http://127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the verifier wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _log);

    /// <summary>Starts a verifier serving <paramref name="modelDirectory"/> and waits until /healthz answers.</summary>
    /// <param name="settings">Configuration keys such as <c>Verifier:Batching:QueueCapacity</c>.</param>
    public static async Task<VerifierProcess> StartAsync(string modelDirectory, string dataDirectory,
        IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        var chosen = port ?? FreePort.Next();
        var arguments = new List<string>
        {
            AssemblyPath, "--model", modelDirectory, "--data-dir", dataDirectory, "--urls", $"http://127.0.0.1:{chosen}",
            // One libtorch thread per replica: the test machine's cores are shared by several replicas and the tests.
            "--Verifier:TorchThreads", "1",
        };
        // Test verifiers share one data directory for its feature cache; each keeps the calibrations applied to it to itself
        // (kept across its restarts) unless the test shares a store on purpose, as replicas do.
        settings ??= new Dictionary<string, string>();
        if (!settings.ContainsKey("Verifier:CalibrationDirectory"))
            arguments.AddRange(["--Verifier:CalibrationDirectory", Path.Combine(dataDirectory, $"calibrations-{Guid.NewGuid():N}")]);
        foreach (var (key, value) in settings) arguments.AddRange([$"--{key}", value]);
        var verifier = new VerifierProcess(chosen, [.. arguments]);
        await verifier.StartAsync();
        return verifier;
    }

    /// <summary>
    /// Starts the verifier as a user would with no arguments at all (<c>dotnet FiSAO.Verifier.dll</c>): the built-in
    /// shapes-world model, installed into <paramref name="dataDirectory"/> on start. Port and data directory come
    /// from the environment (<c>ASPNETCORE_URLS</c>, <c>Verifier__DataDirectory</c>), as in a container.
    /// </summary>
    public static async Task<VerifierProcess> StartWithoutArgumentsAsync(string dataDirectory, TimeSpan startTimeout)
    {
        var chosen = FreePort.Next();
        var verifier = new VerifierProcess(chosen, [AssemblyPath], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{chosen}",
            ["Verifier__DataDirectory"] = dataDirectory,
        }, startTimeout);
        await verifier.StartAsync();
        return verifier;
    }

    /// <summary>Starts the process again (same port, same arguments) after <see cref="KillAsync"/>.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) throw new InvalidOperationException("The verifier is running.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AssemblyPath)!,
        };
        foreach (var argument in _arguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // No debugger/diagnostics IPC files in /tmp: a killed process would leave them behind.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The verifier exited with code {process.ExitCode} while starting:\n{RecentOutput}");
            try
            {
                using var response = await Http.GetAsync($"{Address}/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (deadline.Elapsed > _startTimeout)
                throw new TimeoutException($"The verifier did not become healthy within {_startTimeout.TotalSeconds:F0} s:\n{RecentOutput}");
            await Task.Delay(50);
        }
    }

    /// <summary>Kills the process (SIGKILL): open connections are reset, calls in flight fail.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>A scrape of the verifier's /metrics.</summary>
    public async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await Http.GetStringAsync($"{Address}/metrics"));

    public ValueTask DisposeAsync() => new(KillAsync());

    void Remember(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 200) _log.TryDequeue(out _);
    }

    void KillOnExit(object? sender, EventArgs e)
    {
        try { _process?.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }
}
