using System.Diagnostics;
using System.Globalization;
using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
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
using TorchSharp;

namespace FiSAO.Benchmarks;

/// <summary>
/// The verifier under load over real gRPC on loopback, client and server in this process (so on the same cores):
/// ScoreTokens/s for a cached image with 64-token responses, images/s for uncached images against the raw batched
/// forward pass of the same model, p50/p99 latency at several concurrency levels, and peak memory.
/// Model: a random ViT-B/32-sized image tower (224 px, patch 32, width 768, 12 layers) with a small text tower
/// (the text tower only runs at start-up, to embed the entity set).
/// </summary>
public static class VerifierBenchmark
{
    // A 64-token SentencePiece response with 8 entity mentions (LLaVA-style pieces).
    internal static readonly string[] Response = (
        "▁The ▁image ▁shows ▁a ▁dog ▁sitting ▁next ▁to ▁a ▁cat ▁on ▁a ▁wooden ▁bench ▁in ▁a ▁park . ▁Behind ▁them ▁there " +
        "▁is ▁a ▁red ▁bicycle ▁and ▁a ▁traffic ▁light , ▁and ▁a ▁person ▁holding ▁an ▁umbrella ▁walks ▁by . ▁A ▁few " +
        "▁birds ▁fly ▁over ▁the ▁trees ▁while ▁the ▁sun ▁sets ▁slowly ▁behind ▁the ▁green ▁hills ▁in ▁the ▁far ▁distance ▁on ▁this ▁quiet ▁evening ▁.")
        .Split(' ');

    public static async Task<int> RunAsync(int seconds, int uncachedImages, int[] concurrencies, int threads, bool batchInvariant = false)
    {
        if (Response.Length != 64) throw new InvalidOperationException($"response has {Response.Length} tokens");
        var root = Path.Combine(Path.GetTempPath(), "fisao-bench-verifier");
        var modelDir = Path.Combine(root, "vit-b32-random");
        WriteModel(modelDir);

        var args = new[] { "--urls", "http://127.0.0.1:0", "--model", modelDir, "--data-dir", Path.Combine(root, "data") };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Verifier:TorchThreads"] = threads.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["Verifier:Batching:BatchInvariant"] = batchInvariant ? "true" : "false";
        builder.AddVerifier(args);
        await using var app = builder.Build();
        app.MapVerifier();
        await app.StartAsync();
        var engine = app.Services.GetRequiredService<VerifierEngine>();
        using var channel = GrpcChannel.ForAddress(app.Urls.First(), new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var client = new FiSAO.Verifier.V1.Verifier.VerifierClient(channel);
        Console.WriteLine($"verifier bench: ViT-B/32 image tower (random), fp32, threads={threads}, encode batch {engine.Batching.MaxBatchSize}, " +
                          $"max delay {engine.Batching.MaxQueueDelayMs} ms{(batchInvariant ? ", batch-invariant (one forward pass per image)" : "")}; " +
                          $"{Response.Length}-token responses; client and server in one process");

        // 1. Raw batched forward pass of the same model (the ceiling for uncached images).
        var images = Enumerable.Range(0, uncachedImages).Select(Png).ToList();
        var pixels = images.Take(engine.Batching.MaxBatchSize).Select(p => engine.Model.Images.PreprocessImage(p)).ToList();
        engine.Model.EncodeImages(pixels);
        double RawImagesPerSecond()
        {
            const int reps = 3;
            var raw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) engine.Model.EncodeImages(pixels);
            return reps * pixels.Count / raw.Elapsed.TotalSeconds;
        }
        var rawBefore = RawImagesPerSecond();

        // 2. Uncached images through ScoreTokens (decode + preprocess + batched encode + scoring).
        var (passesBefore, imagesBefore) = (FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Count, FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Sum);
        var uncached = Stopwatch.StartNew();
        await Parallel.ForEachAsync(images, new ParallelOptions { MaxDegreeOfParallelism = 2 * engine.Batching.MaxBatchSize }, async (png, ct) =>
            await client.ScoreTokensAsync(Request(new ImageRef { Data = ByteString.CopyFrom(png) }), cancellationToken: ct));
        var servedImagesPerSecond = images.Count / uncached.Elapsed.TotalSeconds;
        // This machine's speed drifts; the raw pass is measured before and after the served run and averaged.
        var rawImagesPerSecond = (rawBefore + RawImagesPerSecond()) / 2;
        Console.WriteLine(Line($"raw forward (batch {pixels.Count}):            {rawImagesPerSecond,8:F1} images/s"));
        var passes = FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Count - passesBefore;
        var meanBatch = (FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Sum - imagesBefore) / Math.Max(1, passes);
        Console.WriteLine(Line($"uncached ScoreTokens ({images.Count} images):     {servedImagesPerSecond,8:F1} images/s = {100 * servedImagesPerSecond / rawImagesPerSecond:F0}% of raw forward ({passes} encoder batches, mean {meanBatch:F1} images{(batchInvariant ? ", encoded one by one" : "")})"));

        // 3. Cached image, 64-token responses: throughput and latency by concurrency.
        var id = (await client.ScoreTokensAsync(Request(new ImageRef { Data = ByteString.CopyFrom(images[0]) }))).ImageId;
        var cached = Request(new ImageRef { ImageId = id });
        foreach (var concurrency in concurrencies)
        {
            await Load(client, cached, concurrency, TimeSpan.FromSeconds(1)); // warm-up
            var (count, elapsed, latencies) = await Load(client, cached, concurrency, TimeSpan.FromSeconds(seconds));
            latencies.Sort();
            Console.WriteLine(Line($"cached ScoreTokens, {concurrency,3} callers:      {count / elapsed,8:F0} req/s   p50 {Percentile(latencies, 0.50):F2} ms   p99 {Percentile(latencies, 0.99):F2} ms"));
        }

        using var process = Process.GetCurrentProcess();
        Console.WriteLine(Line($"peak working set: {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (server + client + model)"));
        await app.StopAsync();
        return 0;
    }

    internal static ScoreTokensRequest Request(ImageRef image) => new() { Image = image, Tokens = { Response }, TokenFormat = TokenFormat.SentencePiece };

    static async Task<(long Count, double Seconds, List<double> LatenciesMs)> Load(
        FiSAO.Verifier.V1.Verifier.VerifierClient client, ScoreTokensRequest request, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (watch.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await client.ScoreTokensAsync(request);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).ToList();
        return (all.Count, watch.Elapsed.TotalSeconds, all);
    }

    static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    internal static void WriteModel(string directory)
    {
        if (File.Exists(Path.Combine(directory, "model.safetensors"))) return;
        torch.manual_seed(0);
        var config = new ClipConfig
        {
            ProjectionDim = 512,
            VisionConfig = new ClipVisionConfig { ImageSize = 224, PatchSize = 32, HiddenSize = 768, IntermediateSize = 3072, NumHiddenLayers = 12, NumAttentionHeads = 12 },
            TextConfig = new ClipTextConfig { VocabSize = 514, HiddenSize = 128, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4, BosTokenId = 512, EosTokenId = 513, PadTokenId = 513 },
        };
        using var model = new ClipModel(config);
        ClipCheckpointWriter.Save(model, directory, new ClipImageProcessorConfig { ShortestEdge = 224, CropHeight = 224, CropWidth = 224 });
        ClipCheckpointWriter.SaveByteLevelTokenizer(directory);
    }

    internal static byte[] Png(int seed)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(256, 224);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                image[x, y] = new Rgb24((byte)(x + seed), (byte)(y * 2), (byte)random.Next(64));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
