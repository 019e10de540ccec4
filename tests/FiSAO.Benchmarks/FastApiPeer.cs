using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.V1;

namespace FiSAO.Benchmarks;

/// <summary>
/// The Python peer of <see cref="RestBenchmark"/> (fastapi_peer.py) as a child process: uvicorn on a free loopback port,
/// given the verifier's own unit text features of the response's mentions, its logit scale and the image's features,
/// so its answers carry the same scores.
/// </summary>
public sealed class FastApiPeer : IDisposable
{
    readonly Process _process;

    FastApiPeer(Process process, string url) { _process = process; Url = url; }

    public string Url { get; }

    /// <param name="parser">form: FastAPI's own form handling (UploadFile, Form); raw: the body split with bytes.find and
    /// the answer written by json.dumps, the tuned variant.</param>
    public static async Task<FastApiPeer?> StartAsync(string python, int workers, VerifierEngine engine, byte[] png, ScoreTokensResponse scored,
        string root, string parser = "form")
    {
        Process? check;
        try
        {
            check = Process.Start(new ProcessStartInfo(python, "-c \"import fastapi, uvicorn, multipart, numpy\"")
                { RedirectStandardError = true, UseShellExecute = false });
        }
        catch (System.ComponentModel.Win32Exception) { return null; }   // no such interpreter
        if (check is null) return null;
        await check.WaitForExitAsync();
        if (check.ExitCode != 0) return null;

        var tokens = VerifierBenchmark.Response;
        var surfaces = new Dictionary<string, float[]>();
        var entities = new Dictionary<string, string>();
        foreach (var mention in scored.Mentions)
        {
            var written = string.Join(' ', tokens.Skip(mention.TokenStart).Take(mention.TokenEnd - mention.TokenStart)
                .Select(t => t.Replace("▁", "").Trim('.', ',').ToLowerInvariant()));
            surfaces[written] = engine.TextFeatures.Of(mention.Surface).ToArray();
            entities[written] = mention.Entity;
        }
        var (features, _) = await engine.EmbedImageAsync(ImageInput.FromBytes(png), CancellationToken.None);
        var exported = Path.Combine(root, "fastapi-peer-features.json");
        await File.WriteAllTextAsync(exported, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["scale"] = engine.Model.Scale, ["model_id"] = engine.ModelId, ["surfaces"] = surfaces, ["entities"] = entities, ["image_features"] = features,
        }));

        var port = FreePort();
        var start = new ProcessStartInfo(python, $"-m uvicorn fastapi_peer:app --app-dir {AppDirectory()} --host 127.0.0.1 --port {port} " +
                                                 $"--workers {workers} --log-level warning --no-access-log")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["FISAO_PEER_FEATURES"] = exported;
        start.Environment["FISAO_PEER_PARSER"] = parser;
        var process = Process.Start(start) ?? throw new InvalidOperationException("uvicorn did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"  peer: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new FastApiPeer(process, $"http://127.0.0.1:{port}");
        using var probe = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var response = await probe.GetAsync(peer.Url + "/docs");
                if (response.IsSuccessStatusCode) return peer;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        peer.Dispose();
        throw new InvalidOperationException("the FastAPI peer did not answer within 20 s");
    }

    /// <summary>Peak resident memory of uvicorn and its worker processes (VmHWM of each, summed).</summary>
    public double PeakResidentMiB() => Tree().Sum(pid =>
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (IOException) { return 0; }
    });

    /// <summary>CPU seconds (user + system) spent so far by uvicorn and its live worker processes.</summary>
    public double CpuSeconds() => Tree().Sum(pid =>
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s on Linux.
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
        }
        catch (IOException) { return 0; }
    });

    /// <summary>uvicorn's supervisor and its worker processes.</summary>
    List<int> Tree()
    {
        var pids = new List<int> { _process.Id };
        foreach (var dir in Directory.GetDirectories("/proc").Select(Path.GetFileName))
            if (int.TryParse(dir, out var pid) && File.Exists($"/proc/{pid}/stat"))
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (int.Parse(fields[1]) == _process.Id) pids.Add(pid);
                }
                catch (IOException) { }
        return pids;
    }

    static string AppDirectory()
    {
        // fastapi_peer.py is copied next to the benchmark's assembly.
        var next = Path.Combine(AppContext.BaseDirectory, "fastapi_peer.py");
        return File.Exists(next) ? AppContext.BaseDirectory : throw new FileNotFoundException("fastapi_peer.py is not next to the benchmark", next);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
