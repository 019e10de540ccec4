using System.Globalization;
using FiSAO.Benchmarks;

// Usage: clip-image [--batches 1,16] [--warmup 3] [--reps 10] [--threads <cores>]
//        clip-precision [--variants fp32,bf16-mixed,bf16] [--batch 16] [--warmup 2] [--reps 7] [--threads <cores>]
//        verifier-precision [--images 96] [--rounds 3] [--dtype bf16] [--threads <cores>]
//        precision-verdicts [--scenes 500] [--dtype bf16] [--data-dir DIR] [--threads <cores>]
//        verifier [--seconds 8] [--images 192] [--concurrency 1,8,64] [--threads <cores>] [--batch-invariant true]
//        rest [--seconds 4] [--rounds 3] [--concurrency 16] [--images 96] [--threads <cores>] [--peer-workers <cores>] [--python /usr/bin/python3] [--sides all|multipart] [--peer-parser form|raw]
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: FiSAO.Benchmarks clip-image [--batches 1,16] [--warmup 3] [--reps 10] [--threads N]");
    Console.WriteLine("       FiSAO.Benchmarks clip-precision [--variants fp32,bf16-mixed,bf16,fp16-mixed,fp16] [--batch 16] [--warmup 2] [--reps 7] [--threads N]");
    Console.WriteLine("       FiSAO.Benchmarks verifier-precision [--images 96] [--rounds 3] [--dtype bf16] [--threads N]");
    Console.WriteLine("       FiSAO.Benchmarks precision-verdicts [--scenes 500] [--dtype bf16] [--data-dir DIR] [--threads N]");
    Console.WriteLine("       FiSAO.Benchmarks verifier [--seconds 8] [--images 192] [--concurrency 1,8,64] [--threads N] [--batch-invariant true]");
    Console.WriteLine("       FiSAO.Benchmarks rest [--seconds 4] [--rounds 3] [--concurrency 16] [--images 96] [--threads N] [--peer-workers N] [--python /usr/bin/python3] [--sides all|multipart] [--peer-parser form|raw]");
    return args.Length == 0 ? 1 : 0;
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"expected --name value pairs, got '{args[i]}'");
        return 2;
    }
    options[args[i][2..]] = args[i + 1];
}

int Option(string name, int fallback) =>
    options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

switch (args[0])
{
    case "clip-image":
        var batches = options.TryGetValue("batches", out var b)
            ? b.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : [1, 16];
        return ClipImageBenchmark.Run(batches, Option("warmup", 3), Option("reps", 10), Option("threads", Environment.ProcessorCount));
    case "clip-precision":
        var variants = options.TryGetValue("variants", out var vs) ? vs.Split(',') : ["fp32", "bf16-mixed", "bf16"];
        return ClipPrecisionBenchmark.Run(Option("batch", 16), Option("warmup", 2), Option("reps", 7), Option("threads", Environment.ProcessorCount), variants);
    case "precision-verdicts":
        var dataDir = options.TryGetValue("data-dir", out var dd) ? dd : Path.Combine(Path.GetTempPath(), "fisao-bench-precision");
        return await PrecisionVerdictsBenchmark.RunAsync(Option("scenes", 500), dataDir, Option("threads", Environment.ProcessorCount),
            options.GetValueOrDefault("dtype", "bf16"));
    case "verifier-precision":
        return await VerifierPrecisionBenchmark.RunAsync(Option("images", 96), Option("rounds", 3), Option("threads", Environment.ProcessorCount),
            options.GetValueOrDefault("dtype", "bf16"));
    case "verifier":
        var levels = options.TryGetValue("concurrency", out var c)
            ? c.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : [1, 8, 64];
        var invariant = options.TryGetValue("batch-invariant", out var bi) && bool.Parse(bi);
        return await VerifierBenchmark.RunAsync(Option("seconds", 8), Option("images", 192), levels, Option("threads", Environment.ProcessorCount), invariant);
    case "rest":
        return await RestBenchmark.RunAsync(Option("seconds", 4), Option("rounds", 3), Option("concurrency", 16), Option("images", 96),
            Option("threads", Environment.ProcessorCount), Option("peer-workers", Environment.ProcessorCount),
            options.GetValueOrDefault("python", "/usr/bin/python3"), options.GetValueOrDefault("sides", "all") switch
            {
                "all" => false,
                "multipart" => true,
                var other => throw new ArgumentException($"--sides: expected all or multipart, got '{other}'"),
            }, options.GetValueOrDefault("peer-parser", "form") is "form" or "raw" ? options.GetValueOrDefault("peer-parser", "form")
                : throw new ArgumentException("--peer-parser: expected form or raw"));
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'; known: clip-image, clip-precision, verifier-precision, precision-verdicts, verifier, rest");
        return 2;
}
