using System.Text.Json;
using FiSAO.Rewards.Alignment;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// <c>calibrate --model DIR --samples FILE.jsonl --out FILE.json [verifier options]</c>: computes the Eq. 7 baselines
/// with the same engine the service runs and writes the calibration JSON that <c>--calibration</c> loads at start.
/// A JSONL line: <c>{"image": "path relative to the file", "text": "..."}</c> (or <c>"caption"</c>, or
/// <c>"tokens": [...]</c>) and <c>"objects"</c>: the objects in the image, a list of names or a map name → count.
/// </summary>
public static class CalibrateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? samplesPath = null, outPath = null;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--samples" && i + 1 < args.Length) samplesPath = args[++i];
            else if (args[i] == "--out" && i + 1 < args.Length) outPath = args[++i];
            else rest.Add(args[i]);
        }
        if (samplesPath is null || outPath is null)
        {
            error.WriteLine("usage: calibrate --model <hf-clip-dir> --samples <samples.jsonl> --out <calibration.json> [--entities <file>] [--data-dir <dir>]");
            return 2;
        }

        List<CalibrationSampleInput> samples;
        try { samples = ReadSamples(samplesPath); }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"calibrate: cannot read samples: {e.Message}");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(rest.ToArray());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddVerifier(rest.ToArray());
        await using var app = builder.Build();
        VerifierEngine engine;
        try { engine = app.Services.GetRequiredService<VerifierEngine>(); }
        catch (VerifierStartupException e)
        {
            error.WriteLine($"calibrate: {e.Message}");
            return 2;
        }

        CalibrationOutcome outcome;
        try { outcome = await engine.CalibrateAsync(samples, apply: false, CancellationToken.None); }
        catch (VerifierException e)
        {
            error.WriteLine($"calibrate: {e.Message}");
            return 1;
        }
        foreach (var (index, problem) in outcome.SampleErrors)
            error.WriteLine($"calibrate: sample {index + 1} skipped: {problem.Message}");

        var c = outcome.Calibration;
        c.Save(outPath);
        output.WriteLine($"calibration of {engine.ModelId}: mu_gt {c.MuGt:F4}, mu_hal {c.MuHal:F4}, S in [{c.SMin:F4}, {c.SMax:F4}], " +
                         $"{c.CorrectCount} correct / {c.HallucinatedCount} hallucinated mentions from {samples.Count - outcome.SampleErrors.Count} samples -> {outPath}");
        if (c.MuHal > c.MuGt)
            error.WriteLine("calibrate: warning: mu_hal > mu_gt: this model does not separate hallucinated from correct mentions; the verifier will refuse this calibration.");
        return 0;
    }

    static List<CalibrationSampleInput> ReadSamples(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var samples = new List<CalibrationSampleInput>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string Where() => $"{path}:{lineNumber}";
            var imagePath = root.TryGetProperty("image", out var image) ? image.GetString() : null;
            if (string.IsNullOrEmpty(imagePath)) throw new InvalidDataException($"{Where()}: no \"image\".");
            var bytes = File.ReadAllBytes(Path.Combine(folder, imagePath));
            string? text = null;
            IReadOnlyList<string>? tokens = null;
            if (root.TryGetProperty("tokens", out var t)) tokens = t.EnumerateArray().Select(x => x.GetString() ?? "").ToList();
            else if (root.TryGetProperty("text", out var x) || root.TryGetProperty("caption", out x)) text = x.GetString();
            else throw new InvalidDataException($"{Where()}: needs \"text\", \"caption\" or \"tokens\".");
            if (!root.TryGetProperty("objects", out var objects)) throw new InvalidDataException($"{Where()}: no \"objects\".");
            var truth = objects.ValueKind switch
            {
                JsonValueKind.Array => objects.EnumerateArray().Select(o => o.GetString() ?? "").ToList(),
                JsonValueKind.Object => objects.EnumerateObject().Select(o => o.Name).ToList(),
                _ => throw new InvalidDataException($"{Where()}: \"objects\" must be a list of names or a map name -> count."),
            };
            samples.Add(new CalibrationSampleInput(ImageInput.FromBytes(bytes), text, tokens, TokenFormat.Auto, truth));
        }
        if (samples.Count == 0) throw new InvalidDataException($"{path} has no samples.");
        return samples;
    }
}
