using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Options;
using FiSAO.Rewards;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// <c>calibrate --samples FILE.jsonl --out FILE.json [--model DIR ...]</c>: computes the Eq. 7 baselines
/// with the same engine the service runs, built through the same start-up code but without a web host, and writes the calibration JSON that <c>--calibration</c> loads at start.
/// The samples are the project's one samples.jsonl format (<see cref="CalibrationSampleFile"/>: image, text/caption or
/// tokens, objects as a list of names or a map name → count), e.g. what <c>fisao-trainer calibrate</c> wrote.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var samplesOption = new Option<string>("--samples") { Description = "Labelled samples (samples.jsonl: image, text or tokens, objects)", Required = true, HelpName = "FILE.jsonl" };
        var outOption = new Option<string>("--out") { Description = "Where to write the calibration file --calibration loads", Required = true, HelpName = "FILE" };
        var countOption = new Option<string>("--count")
        {
            Description = "What Eq. 7 averages over: every judged mention (default), or each response's set of objects once (the paper's |O^i|)",
            DefaultValueFactory = _ => "mentions",
        };
        countOption.AcceptOnlyFromAmong("mentions", "sets");
        var command = new Command("calibrate", "Eq. 7 baselines from labelled samples, with the engine the service runs (no web host)")
        {
            TreatUnmatchedTokensAsErrors = false,   // --Verifier:Setting value pairs, as when serving
        };
        command.Options.Add(samplesOption);
        command.Options.Add(outOption);
        command.Options.Add(countOption);
        foreach (var option in EngineOptions.Create()) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(samplesOption)!, parse.GetValue(outOption)!,
            parse.GetValue(countOption) == "sets" ? CalibrationCount.Sets : CalibrationCount.Mentions,
            EngineOptions.ConfigurationArgs(parse), output, error, cancellationToken));
        return command;
    }

    /// <summary>The subcommand's arguments (after <c>calibrate</c>), parsed as <c>FiSAO.Verifier calibrate ...</c> parses them.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        VerifierCli.RunAsync(["calibrate", .. args], output, error);

    static async Task<int> RunAsync(string samplesPath, string outPath, CalibrationCount count, string[] configurationArgs, TextWriter output,
        TextWriter error, CancellationToken cancellationToken)
    {
        List<CalibrationSampleInput> samples;
        try { samples = ReadSamples(samplesPath); }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"calibrate: cannot read samples: {e.Message}");
            return VerifierCli.UsageError;
        }

        // The engine through the same registration the web host uses (AddVerifierEngine), without a web host.
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddVerifierCommandLine(configurationArgs).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddVerifierEngine(configuration);
        await using var provider = services.BuildServiceProvider();
        VerifierEngine engine;
        try { engine = provider.GetRequiredService<VerifierEngine>(); }
        catch (Exception e) when (e is VerifierStartupException or OptionsValidationException)
        {
            error.WriteLine($"calibrate: {e.Message}");
            return VerifierCli.UsageError;
        }

        CalibrationOutcome outcome;
        try { outcome = await engine.CalibrateAsync(samples, apply: false, cancellationToken, count); }
        catch (VerifierException e)
        {
            error.WriteLine($"calibrate: {e.Message}");
            return 1;
        }
        foreach (var (index, problem) in outcome.SampleErrors)
            error.WriteLine($"calibrate: sample {index + 1} skipped: {problem.Message}");

        var c = outcome.Calibration;
        c.Save(outPath);
        var unit = count == CalibrationCount.Sets ? "objects (one per response)" : "mentions";
        output.WriteLine($"calibration of {engine.ModelId}: mu_gt {c.MuGt:F4}, mu_hal {c.MuHal:F4}, S in [{c.SMin:F4}, {c.SMax:F4}], " +
                         $"{c.CorrectCount} correct / {c.HallucinatedCount} hallucinated {unit} from {samples.Count - outcome.SampleErrors.Count} samples -> {outPath}");
        if (c.MuHal > c.MuGt)
            error.WriteLine("calibrate: warning: mu_hal > mu_gt: this model does not separate hallucinated from correct mentions; the verifier will refuse this calibration.");
        return 0;
    }

    /// <summary>The project's samples.jsonl (<see cref="CalibrationSampleFile"/>, the one reader), images read here.</summary>
    static List<CalibrationSampleInput> ReadSamples(string path) =>
        [.. CalibrationSampleFile.Read(path).Select(s => new CalibrationSampleInput(ImageInput.FromBytes(File.ReadAllBytes(s.ImagePath)), s.Text, s.Tokens, s.TokenFormat, s.Objects))];
}
