using System.Collections.Concurrent;
using System.Diagnostics;
using FiSAO.Client;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Cli;

/// <summary>What a bench run measured.</summary>
internal sealed record BenchResult(long Succeeded, IReadOnlyDictionary<StatusCode, long> Failures, TimeSpan Elapsed, double[] SortedLatenciesMs)
{
    public long Failed => Failures.Values.Sum();
    public double RequestsPerSecond => Succeeded / Elapsed.TotalSeconds;

    /// <summary>Nearest-rank percentile of the successful requests' latencies (0 when there were none).</summary>
    public double Percentile(double p) => SortedLatenciesMs.Length == 0
        ? 0
        : SortedLatenciesMs[Math.Clamp((int)Math.Ceiling(p / 100 * SortedLatenciesMs.Length) - 1, 0, SortedLatenciesMs.Length - 1)];
}

/// <summary>
/// Closed-loop load: <c>concurrency</c> callers each send ScoreTokens, wait for the answer, send the next, for the
/// given time. Cached: one image, uploaded once, then referred to by id (the trainer's steady state). Uncached: a new
/// image every request (the encoder's throughput). One attempt per request: failures are counted, not retried away.
/// </summary>
internal sealed class LoadGenerator(FiSAOVerifierClient client, IReadOnlyList<string> tokens, byte[] cachedImage, SyntheticImages? uncached)
{
    public async Task<BenchResult> RunAsync(int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var cachedId = ImageId.Of(cachedImage);
        if (uncached is null) await client.ScoreAsync(cachedImage, tokens, TokenFormat.Plain, cancellationToken); // upload once

        var failures = new ConcurrentDictionary<StatusCode, long>();
        long counter = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                var request = new ScoreTokensRequest { TokenFormat = TokenFormat.Plain, Tokens = { tokens } };
                request.Image = uncached is null
                    ? new ImageRef { ImageId = cachedId }
                    : new ImageRef { Data = UnsafeByteOperations.UnsafeWrap(uncached.Create(Interlocked.Increment(ref counter))) };
                var start = Stopwatch.GetTimestamp();
                try
                {
                    try { await client.ScoreTokensAsync(request, cancellationToken); }
                    catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && uncached is null)
                    {
                        // A replica that never saw the image (several --server): it gets the bytes once.
                        request.Image = new ImageRef { Data = UnsafeByteOperations.UnsafeWrap(cachedImage) };
                        await client.ScoreTokensAsync(request, cancellationToken);
                    }
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (RpcException e)
                {
                    failures.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                }
            }
            return latencies;
        }, cancellationToken)).ToList();

        var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
        var elapsed = clock.Elapsed;
        Array.Sort(all);
        return new BenchResult(all.Length, failures, elapsed, all);
    }

    /// <summary><paramref name="count"/> PLAIN tokens of a caption naming several objects, repeated as needed.</summary>
    public static IReadOnlyList<string> Tokens(int count)
    {
        string[] words = [" a", " dog", " sits", " on", " a", " sofa", " next", " to", " two", " cats", " and", " a", " red", " car", "."];
        return Enumerable.Range(0, count).Select(i => i == 0 ? "A" : words[i % words.Length]).ToList();
    }
}
