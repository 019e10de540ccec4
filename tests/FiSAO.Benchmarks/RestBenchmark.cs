using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.Benchmarks;

/// <summary>
/// REST against gRPC and against a Python FastAPI + uvicorn peer, in one run on the same cores, the same random
/// ViT-B/32-sized checkpoint as <see cref="VerifierBenchmark"/> and 64-token responses. Cached requests (a 172 KiB PNG
/// the verifier already holds): gRPC by image id, REST by image id (JSON), REST multipart with the image bytes, and the
/// peer with the same multipart form, all from the same load generator (HttpClient / the gRPC client in this process),
/// in interleaved rounds. Uncached: REST multipart with fresh images against the raw batched forward. Peak memory.
/// </summary>
public static class RestBenchmark
{
    const string Grpc = "gRPC by image id", ById = "REST by image id (JSON)", Multipart = "REST multipart, cached 172 KiB PNG",
        Peer = "FastAPI peer multipart, cached";

    /// <param name="onlyMultipart">Only REST multipart against the peer (no by-id rounds, no uncached part): the pairing
    /// that decides the multipart goal, without the other sides' rounds in between.</param>
    public static async Task<int> RunAsync(int seconds, int rounds, int concurrency, int uncachedImages, int threads, int peerWorkers, string python,
        bool onlyMultipart = false, string peerParser = "form")
    {
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var root = Path.Combine(Path.GetTempPath(), "fisao-bench-verifier");
        var modelDir = Path.Combine(root, "vit-b32-random");
        VerifierBenchmark.WriteModel(modelDir);
        var args = new[] { "--urls", "http://127.0.0.1:0", "--model", modelDir, "--data-dir", Path.Combine(root, "data") };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Verifier:TorchThreads"] = threads.ToString(CultureInfo.InvariantCulture);
        builder.AddVerifier(args);
        await using var app = builder.Build();
        app.MapVerifier();
        await app.StartAsync();
        var engine = app.Services.GetRequiredService<VerifierEngine>();
        var address = app.Urls.First();
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var grpc = new FiSAO.Verifier.V1.Verifier.VerifierClient(channel);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false });

        var png = Png172KiB();
        var tokensJson = JsonSerializer.Serialize(VerifierBenchmark.Response);
        var first = await grpc.ScoreTokensAsync(VerifierBenchmark.Request(new ImageRef { Data = ByteString.CopyFrom(png) }));
        var imageId = first.ImageId;
        Console.WriteLine($"rest bench: ViT-B/32 image tower (random), fp32, threads={threads}; cached image: a {png.Length / 1024.0:F0} KiB PNG; " +
                          $"{VerifierBenchmark.Response.Length}-token responses ({first.Mentions.Count} mentions); {concurrency} concurrent callers; " +
                          $"{rounds} interleaved rounds of {seconds} s per side; load average before: {loadBefore}");

        using var peer = await FastApiPeer.StartAsync(python, peerWorkers, engine, png, first, root, peerParser);
        var peerUrl = peer?.Url;
        if (peer is null) Console.WriteLine("peer: not run (python3 with fastapi, uvicorn, python-multipart and numpy not found; see README)");

        HttpRequestMessage MultipartTo(string baseUrl)
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(png);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", "scene.png");
            form.Add(new StringContent(tokensJson), "tokens");
            return new HttpRequestMessage(HttpMethod.Post, baseUrl + "/v1/score") { Content = form };
        }
        var byIdBody = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { image_id = imageId, tokens = VerifierBenchmark.Response, token_format = "sentence_piece" }));
        HttpRequestMessage ByIdRequest()
        {
            var content = new ByteArrayContent(byIdBody);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Post, address + "/v1/score") { Content = content };
        }
        var cachedGrpc = VerifierBenchmark.Request(new ImageRef { ImageId = imageId });

        if (peerUrl is not null) await CheckPeerAnswersAsTheVerifier(http, MultipartTo(address), MultipartTo(peerUrl));

        var sides = new List<(string Name, Func<Task> Call)>();
        if (!onlyMultipart)
        {
            sides.Add((Grpc, async () => await grpc.ScoreTokensAsync(cachedGrpc)));
            sides.Add((ById, () => Send(http, ByIdRequest())));
        }
        sides.Add((Multipart, () => Send(http, MultipartTo(address))));
        if (peerUrl is not null) sides.Add((Peer, () => Send(http, MultipartTo(peerUrl))));
        var totals = sides.ToDictionary(s => s.Name, _ => (Count: 0L, Seconds: 0.0));
        // CPU seconds per side: this process (the verifier and the load generator) and the peer's processes.
        var cpu = sides.ToDictionary(s => s.Name, _ => (Own: 0.0, Peer: 0.0));
        using var self = Process.GetCurrentProcess();
        double OwnCpu() { self.Refresh(); return self.TotalProcessorTime.TotalSeconds; }
        // Warm-up: tiered compilation of the .NET side settles in a few seconds (1 s was not enough: rates kept rising).
        for (var w = 0; w < 3; w++)
            foreach (var side in sides) await Load(side.Call, concurrency, TimeSpan.FromSeconds(1));
        var perRound = sides.ToDictionary(s => s.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            // Alternating order, so drift of the shared machine hits every side alike.
            var order = round % 2 == 0 ? sides : Enumerable.Reverse(sides).ToList();
            foreach (var (name, call) in order)
            {
                var (own, peerCpu) = (OwnCpu(), peer?.CpuSeconds() ?? 0);
                var (count, elapsed) = await Load(call, concurrency, TimeSpan.FromSeconds(seconds));
                totals[name] = (totals[name].Count + count, totals[name].Seconds + elapsed);
                cpu[name] = (cpu[name].Own + OwnCpu() - own, cpu[name].Peer + (peer?.CpuSeconds() ?? 0) - peerCpu);
                perRound[name].Add(count / elapsed);
            }
            Console.WriteLine($"  round {round + 1}: " + string.Join(", ", sides.Select(s => Line($"{s.Name} {Rate(totals[s.Name]):F0}"))) + " req/s so far");
        }
        // Rounds are back to back, so a round's ratio compares sides under nearly the same load from other processes.
        double MedianRatio(string a, string b) => Median(perRound[a].Zip(perRound[b], (x, y) => x / y).ToList());
        foreach (var (name, _) in sides)
            Console.WriteLine(Line($"{name,-38} {Rate(totals[name]),8:F0} req/s   ") +
                              (onlyMultipart ? "" : Line($"{Rate(totals[name]) / Rate(totals[Grpc]),5:F2}x gRPC by image id   ")) + Line(
                              $"CPU per request: this process {1e6 * cpu[name].Own / totals[name].Count,6:F0} us, peer {1e6 * cpu[name].Peer / totals[name].Count,6:F0} us"));
        if (!onlyMultipart)
        {
            Console.WriteLine(Line($"REST by image id / gRPC by image id: {Rate(totals[ById]) / Rate(totals[Grpc]):F2}x (goal >= 0.5x); ") +
                              Line($"median of per-round ratios {MedianRatio(ById, Grpc):F2}x"));
        }
        if (peerUrl is not null)
        {
            // In the peer's rounds this process only generates load, so its CPU per request there is the load generator's
            // (the same HttpClient code sends the same form to both servers); the rest of the verifier rounds' is the verifier's.
            var generator = cpu[Peer].Own / totals[Peer].Count;
            Console.WriteLine(Line($"multipart CPU per request: load generator {1e6 * generator:F0} us; verifier {1e6 * (cpu[Multipart].Own / totals[Multipart].Count - generator):F0} us; ") +
                              Line($"FastAPI peer {1e6 * cpu[Peer].Peer / totals[Peer].Count:F0} us"));
            Console.WriteLine(Line($"REST multipart cached / FastAPI peer: {Rate(totals[Multipart]) / Rate(totals[Peer]):F2}x ") + Line(
                                   $"({Rate(totals[Multipart]):F0} vs {Rate(totals[Peer]):F0} req/s; goal >= 3x; peer: {peerWorkers} uvicorn worker(s), {peerParser} parser); ") +
                              Line($"median of per-round ratios {MedianRatio(Multipart, Peer):F2}x"));
        }
        if (onlyMultipart)
        {
            Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
            await app.StopAsync();
            return 0;
        }

        // Uncached: fresh images by multipart against the raw batched forward of the same model, alternating in chunks of
        // two encoder batches (two raw passes, then that many fresh images served), so both see the same load.
        var images = Enumerable.Range(0, uncachedImages).Select(i => VerifierBenchmark.Png(50_000 + i)).ToList();
        var batch = engine.Batching.MaxBatchSize;
        var pixels = images.Take(batch).Select(p => engine.Model.Images.PreprocessImage(p)).ToList();
        engine.Model.EncodeImages(pixels);
        var (rawImages, rawSeconds, servedSeconds) = (0, 0.0, 0.0);
        foreach (var chunk in images.Chunk(2 * batch))
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 2; i++) engine.Model.EncodeImages(pixels);
            (rawImages, rawSeconds) = (rawImages + 2 * pixels.Count, rawSeconds + watch.Elapsed.TotalSeconds);
            watch.Restart();
            await Parallel.ForEachAsync(chunk, new ParallelOptions { MaxDegreeOfParallelism = 2 * batch }, async (image, ct) =>
            {
                var form = new MultipartFormDataContent { { new ByteArrayContent(image), "image", "x.png" }, { new StringContent(tokensJson), "tokens" } };
                using var response = await http.PostAsync(address + "/v1/score", form, ct);
                response.EnsureSuccessStatusCode();
            });
            servedSeconds += watch.Elapsed.TotalSeconds;
        }
        var served = images.Count / servedSeconds;
        var raw = rawImages / rawSeconds;
        Console.WriteLine(Line($"uncached REST multipart ({images.Count} images): {served:F1} images/s = {100 * served / raw:F0}% of the raw batched forward ({raw:F1} images/s, batch {pixels.Count}, alternating; goal >= 85%)"));

        using var process = Process.GetCurrentProcess();
        Console.WriteLine(Line($"peak working set: {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (verifier + load generator + model)") +
                               (peer is null ? "" : Line($"; FastAPI peer: {peer.PeakResidentMiB():F0} MiB ({peerWorkers} worker(s) + supervisor)")));
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        await app.StopAsync();
        return 0;
    }

    static async Task Send(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        using (var response = await http.SendAsync(request))
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{request.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await response.Content.CopyToAsync(Stream.Null);
        }
    }

    /// <summary>The peer must do the same work: the same image id (SHA-256 of the uploaded bytes) and the same mentions
    /// with the same scores S as the verifier's answer to the same form, or the comparison is void.</summary>
    static async Task CheckPeerAnswersAsTheVerifier(HttpClient http, HttpRequestMessage toVerifier, HttpRequestMessage toPeer)
    {
        async Task<JsonElement> Answer(HttpRequestMessage request)
        {
            using (request)
            using (var response = await http.SendAsync(request))
                return response.IsSuccessStatusCode
                    ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
                    : throw new InvalidOperationException($"{request.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var (verifier, peer) = (await Answer(toVerifier), await Answer(toPeer));
        static string Id(JsonElement answer) => answer.GetProperty("image_id").GetString()!;
        static List<(int, int, string, double)> Mentions(JsonElement answer) => answer.GetProperty("mentions").EnumerateArray()
            .Select(m => (m.GetProperty("token_start").GetInt32(), m.GetProperty("token_end").GetInt32(), m.GetProperty("entity").GetString()!,
                          Math.Round(m.GetProperty("score").GetDouble(), 3))).ToList();
        if (Id(verifier) != Id(peer) || !Mentions(verifier).SequenceEqual(Mentions(peer)))
            throw new InvalidOperationException($"the FastAPI peer's answer differs from the verifier's: {peer} vs {verifier}");
        Console.WriteLine(Line($"peer check: the same image id and the same {Mentions(peer).Count} mentions and scores as the verifier"));
    }

    static async Task<(long Count, double Seconds)> Load(Func<Task> call, int concurrency, TimeSpan duration)
    {
        var counts = new long[concurrency];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
        {
            while (watch.Elapsed < duration)
            {
                await call();
                counts[c]++;
            }
        }));
        return (counts.Sum(), watch.Elapsed.TotalSeconds);
    }

    static double Rate((long Count, double Seconds) x) => x.Count / x.Seconds;

    static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>A noisy 240 x 245 PNG of about 172 KiB (noise does not compress), like a photo-sized upload.</summary>
    internal static byte[] Png172KiB()
    {
        var random = new Random(172);
        using var image = new Image<Rgb24>(240, 245);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
