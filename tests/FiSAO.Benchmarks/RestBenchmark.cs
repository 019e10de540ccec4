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
    public static async Task<int> RunAsync(int seconds, int rounds, int concurrency, int uncachedImages, int threads, int peerWorkers, string python)
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

        using var peer = await FastApiPeer.StartAsync(python, peerWorkers, engine, png, first, root);
        var peerUrl = peer?.Url;
        if (peer is null) Console.WriteLine("peer: not run (python3 with fastapi, uvicorn, python-multipart and numpy not found; see README)");

        HttpRequestMessage Multipart(string baseUrl)
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(png);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", "scene.png");
            form.Add(new StringContent(tokensJson), "tokens");
            return new HttpRequestMessage(HttpMethod.Post, baseUrl + "/v1/score") { Content = form };
        }
        var byIdBody = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { image_id = imageId, tokens = VerifierBenchmark.Response, token_format = "sentence_piece" }));
        HttpRequestMessage ById()
        {
            var content = new ByteArrayContent(byIdBody);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Post, address + "/v1/score") { Content = content };
        }
        var cachedGrpc = VerifierBenchmark.Request(new ImageRef { ImageId = imageId });

        var sides = new List<(string Name, Func<Task> Call)>
        {
            ("gRPC by image id", async () => await grpc.ScoreTokensAsync(cachedGrpc)),
            ("REST by image id (JSON)", () => Send(http, ById())),
            ("REST multipart, cached 172 KiB PNG", () => Send(http, Multipart(address))),
        };
        if (peerUrl is not null) sides.Add(("FastAPI peer multipart, cached", () => Send(http, Multipart(peerUrl))));
        var totals = sides.ToDictionary(s => s.Name, _ => (Count: 0L, Seconds: 0.0));
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
                var (count, elapsed) = await Load(call, concurrency, TimeSpan.FromSeconds(seconds));
                totals[name] = (totals[name].Count + count, totals[name].Seconds + elapsed);
                perRound[name].Add(count / elapsed);
            }
            Console.WriteLine($"  round {round + 1}: " + string.Join(", ", sides.Select(s => Line($"{s.Name} {Rate(totals[s.Name]):F0}"))) + " req/s so far");
        }
        var grpcRate = Rate(totals["gRPC by image id"]);
        foreach (var (name, _) in sides)
            Console.WriteLine(Line($"{name,-38} {Rate(totals[name]),8:F0} req/s   {Rate(totals[name]) / grpcRate,5:F2}x gRPC by image id"));
        Console.WriteLine(Line($"REST by image id / gRPC by image id: {Rate(totals["REST by image id (JSON)"]) / grpcRate:F2}x (goal >= 0.5x)"));
        // Rounds are back to back, so a round's ratio compares sides under nearly the same load from other processes.
        double MedianRatio(string a, string b) => Median(perRound[a].Zip(perRound[b], (x, y) => x / y).ToList());
        Console.WriteLine(Line($"median of per-round ratios: REST by image id / gRPC {MedianRatio("REST by image id (JSON)", "gRPC by image id"):F2}x") +
                          (peerUrl is null ? "" : Line($", REST multipart / FastAPI peer {MedianRatio("REST multipart, cached 172 KiB PNG", "FastAPI peer multipart, cached"):F2}x")));
        if (peerUrl is not null)
            Console.WriteLine(Line($"REST multipart cached / FastAPI peer: {Rate(totals["REST multipart, cached 172 KiB PNG"]) / Rate(totals["FastAPI peer multipart, cached"]):F2}x ") + Line(
                                   $"({Rate(totals["REST multipart, cached 172 KiB PNG"]):F0} vs {Rate(totals["FastAPI peer multipart, cached"]):F0} req/s; goal >= 3x; peer: {peerWorkers} uvicorn worker(s))"));

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
