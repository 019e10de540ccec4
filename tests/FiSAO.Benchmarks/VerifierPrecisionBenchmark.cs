using System.Diagnostics;
using System.Globalization;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FiSAO.Benchmarks;

/// <summary>
/// Uncached images/s of the verifier served with <c>--dtype fp32</c> and with <c>--dtype bf16</c> (or another dtype),
/// both in this process on the same random ViT-B/32-sized checkpoint, measured in alternating rounds so that the
/// machine's drift hits both alike: each round sends the same fresh PNGs to each server over loopback gRPC
/// (decode + preprocess + batched encode + scoring), and times the raw batched forward of each model too.
/// </summary>
public static class VerifierPrecisionBenchmark
{
    public static async Task<int> RunAsync(int images, int rounds, int threads, string dtype)
    {
        var root = Path.Combine(Path.GetTempPath(), "fisao-bench-verifier");
        var modelDir = Path.Combine(root, "vit-b32-random");
        VerifierBenchmark.WriteModel(modelDir);
        var servers = new List<(string DType, WebApplication App, VerifierEngine Engine, FiSAO.Verifier.V1.Verifier.VerifierClient Client, GrpcChannel Channel)>();
        foreach (var dt in new[] { "fp32", dtype })
        {
            var args = new[] { "--urls", "http://127.0.0.1:0", "--model", modelDir, "--data-dir", Path.Combine(root, "data"), "--dtype", dt };
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration["Verifier:TorchThreads"] = threads.ToString(CultureInfo.InvariantCulture);
            builder.AddVerifier(args);
            var app = builder.Build();
            app.MapVerifier();
            await app.StartAsync();
            var channel = GrpcChannel.ForAddress(app.Urls.First(), new GrpcChannelOptions { MaxReceiveMessageSize = null });
            servers.Add((dt, app, app.Services.GetRequiredService<VerifierEngine>(), new FiSAO.Verifier.V1.Verifier.VerifierClient(channel), channel));
        }
        var batch = servers[0].Engine.Batching.MaxBatchSize;
        Console.WriteLine($"verifier-precision: ViT-B/32 image tower (random), fp32 vs {dtype} served side by side, threads={threads}, " +
                          $"encode batch {batch}, {images} uncached images per server per round, {rounds} rounds (alternating)");

        var served = servers.ToDictionary(s => s.DType, _ => (Images: 0, Seconds: 0.0));
        var raw = servers.ToDictionary(s => s.DType, _ => (Images: 0, Seconds: 0.0));
        for (var round = 0; round < rounds; round++)
        {
            var pngs = Enumerable.Range(0, images).Select(i => VerifierBenchmark.Png(1000 * (round + 1) + i)).ToList();
            foreach (var (dt, _, engine, client, _) in servers)
            {
                var pixels = pngs.Take(batch).Select(p => engine.Model.Images.PreprocessImage(p)).ToList();
                engine.Model.EncodeImages(pixels); // warm-up (the first pass of a model allocates its kernels' buffers)
                var watch = Stopwatch.StartNew();
                engine.Model.EncodeImages(pixels);
                raw[dt] = (raw[dt].Images + pixels.Count, raw[dt].Seconds + watch.Elapsed.TotalSeconds);

                watch.Restart();
                await Parallel.ForEachAsync(pngs, new ParallelOptions { MaxDegreeOfParallelism = 2 * batch }, async (png, ct) =>
                    await client.ScoreTokensAsync(VerifierBenchmark.Request(new ImageRef { Data = ByteString.CopyFrom(png) }), cancellationToken: ct));
                served[dt] = (served[dt].Images + pngs.Count, served[dt].Seconds + watch.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"  round {round + 1}: " + string.Join(", ", servers.Select(s =>
                Line($"{s.DType} {served[s.DType].Images / served[s.DType].Seconds:F1} images/s so far"))));
        }

        double Rate((int Images, double Seconds) x) => x.Images / x.Seconds;
        foreach (var (dt, _, _, _, _) in servers)
            Console.WriteLine(Line($"{dt,-5} uncached ScoreTokens {Rate(served[dt]),7:F1} images/s   raw batched forward {Rate(raw[dt]),7:F1} images/s"));
        Console.WriteLine(Line($"{dtype} / fp32: uncached served {Rate(served[dtype]) / Rate(served["fp32"]):F2}x, raw forward {Rate(raw[dtype]) / Rate(raw["fp32"]):F2}x"));
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(Line($"peak working set: {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (both servers, client, both models)"));
        foreach (var (_, app, _, _, channel) in servers)
        {
            channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
        return 0;
    }

    static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
