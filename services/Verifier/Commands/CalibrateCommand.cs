using System.Text.Json;
using FiSAO.Rewards;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// <c>calibrate --model DIR --samples FILE.jsonl --out FILE.json [verifier options]</c>: computes the Eq. 7 baselines
/// with the same engine the service runs and writes the calibration JSON that <c>--calibration</c> loads at start.
/// The samples are the project's one samples.jsonl format (<see cref="CalibrationSampleFile"/>: image, text/caption or
/// tokens, objects as a list of names or a map name → count), e.g. what <c>fisao-trainer calibrate</c> wrote.
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

    /// <summary>The project's samples.jsonl (<see cref="CalibrationSampleFile"/>, the one reader), images read here.</summary>
    static List<CalibrationSampleInput> ReadSamples(string path) =>
        [.. CalibrationSampleFile.Read(path).Select(s => new CalibrationSampleInput(ImageInput.FromBytes(File.ReadAllBytes(s.ImagePath)), s.Text, s.Tokens, s.TokenFormat, s.Objects))];
}
