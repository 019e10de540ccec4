using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;

namespace FiSAO.Cli;

/// <summary><c>fisao bench [--concurrency N] [--duration S] [--cached|--uncached] [--tokens N]</c>: a load generator.</summary>
internal static class BenchCommand
{
    public static Command Create(CommandRunner runner)
    {
        var concurrency = new Option<int>("--concurrency") { Description = "Callers sending requests side by side", DefaultValueFactory = _ => 8, HelpName = "N" };
        var duration = new Option<double>("--duration") { Description = "Seconds to run", DefaultValueFactory = _ => 10, HelpName = "S" };
        var cached = new Option<bool>("--cached") { Description = "One image, uploaded once and then sent by id (default)" };
        var uncached = new Option<bool>("--uncached") { Description = "A new image every request (measures the image encoder)" };
        var tokens = new Option<int>("--tokens") { Description = "Tokens per request", DefaultValueFactory = _ => 64, HelpName = "N" };
        var image = new Option<FileInfo?>("--image") { Description = "Image for --cached [default: a synthetic BMP]", HelpName = "FILE" };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the synthetic images, in pixels", DefaultValueFactory = _ => 224, HelpName = "PX" };
        var json = new Option<bool>("--json") { Description = "Print the measurements as JSON" };
        var command = new Command("bench", "Load the verifier with ScoreTokens calls; print req/s and latency percentiles")
        {
            concurrency, duration, cached, uncached, tokens, image, imageSize, json,
        };
        // Option validators see each value as given (a command validator would see 0 for an option left at its default).
        Range(concurrency, 1, 4096);
        Range(tokens, 1, 1_000_000);
        Range(imageSize, 1, 8192);
        duration.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 86_400) r.AddError("--duration must be between 0 and 86400 seconds.");
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(cached) is not null && result.GetResult(uncached) is not null) result.AddError("Give --cached or --uncached, not both.");
        });

        runner.SetAction(command, async (parse, client, cancellationToken) =>
        {
            var io = runner.Io;
            var isUncached = parse.GetValue(uncached);
            var synthetic = new SyntheticImages(parse.GetValue(imageSize));
            var picture = parse.GetValue(image) is { } file ? LocalFiles.ReadBytes(file.FullName, "image") : synthetic.Create(0);
            var (callers, seconds, count) = (parse.GetValue(concurrency), parse.GetValue(duration), parse.GetValue(tokens));
            var mode = isUncached ? $"a new {synthetic.Bytes / 1024} KiB image per request" : "one cached image sent by id";
            if (!parse.GetValue(json))
                io.Out.WriteLine($"bench: {callers} callers for {seconds:0.#} s against {runner.Common.Describe(parse)}, {mode}, {count} tokens per request");

            var generator = new LoadGenerator(client, LoadGenerator.Tokens(count), picture, isUncached ? synthetic : null);
            var result = await generator.RunAsync(callers, TimeSpan.FromSeconds(seconds), cancellationToken);

            if (parse.GetValue(json)) io.Out.WriteLine(Json(result));
            else Print(io.Out, result);
            if (result.Succeeded > 0 || result.Failed == 0) return ExitCodes.Ok;
            var common = result.Failures.MaxBy(f => f.Value).Key;
            io.Fail($"bench: every request failed, most with {StatusNames.Of(common)}");
            return ExitCodes.For(common);
        }, maxAttempts: 1);
        return command;
    }

    static void Range(Option<int> option, int min, int max) => option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < min || r.GetValueOrDefault<int>() > max) r.AddError($"{option.Name} must be between {min} and {max}.");
    });

    static void Print(TextWriter output, BenchResult r)
    {
        var failures = r.Failed == 0 ? "0 failed" : $"{r.Failed} failed (" + string.Join(", ", r.Failures.Select(f => $"{StatusNames.Of(f.Key)} {f.Value}")) + ")";
        output.WriteLine(F($"requests: {r.Succeeded} ok, {failures}, in {r.Elapsed.TotalSeconds:0.00} s"));
        output.WriteLine(F($"throughput: {r.RequestsPerSecond:0.0} req/s"));
        output.WriteLine(F($"latency: p50 {r.Percentile(50):0.00} ms, p90 {r.Percentile(90):0.00} ms, p99 {r.Percentile(99):0.00} ms, max {r.Percentile(100):0.00} ms"));
    }

    static string Json(BenchResult r) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["requests"] = r.Succeeded,
        ["failed"] = r.Failed,
        ["failures"] = r.Failures.ToDictionary(f => StatusNames.Of(f.Key), f => f.Value),
        ["seconds"] = Math.Round(r.Elapsed.TotalSeconds, 3),
        ["requests_per_second"] = Math.Round(r.RequestsPerSecond, 3),
        ["latency_ms"] = new Dictionary<string, double>
        {
            ["p50"] = Math.Round(r.Percentile(50), 3),
            ["p90"] = Math.Round(r.Percentile(90), 3),
            ["p99"] = Math.Round(r.Percentile(99), 3),
            ["max"] = Math.Round(r.Percentile(100), 3),
        },
    });

    static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
