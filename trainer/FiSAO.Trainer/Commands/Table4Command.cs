using System.CommandLine;
using System.Globalization;
using FiSAO.Trainer.Demo;

namespace FiSAO.Trainer.Commands;

/// <summary><c>shapes-table4</c>: the shapes world's Table 4 and Figure 1 under a reviewer's rules (<see cref="ShapesTable4"/>).</summary>
public static class Table4Command
{
    public static Command Create()
    {
        var defaults = new ShapesTable4Options { OutputDirectory = "", DataDirectory = "" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (splits, warm-up, grid and test runs, results.json, table.md); runs already there are reused.", Required = true };
        var data = new Option<DirectoryInfo?>("--data-dir") { Description = "Data directory of the verifier the command starts (default: <out>/data)." };
        var remote = new Option<string?>("--verifier") { Description = "Use this running verifier (its built-in shapes-world model, readable here) instead of starting one; its calibration is replaced." };
        var warm = new Option<DirectoryInfo?>("--warm-up") { Description = "A warmed-up policy folder to reuse (default: <out>/policy-warm, trained when missing)." };
        var steps = new Option<int>("--ppo-steps") { Description = "PPO steps of every run (16 rollouts each); the SFT arm samples for as many prompts.", DefaultValueFactory = _ => defaults.PpoSteps };
        var validation = new Option<int>("--val-scenes") { Description = "Validation scenes (where settings are chosen).", DefaultValueFactory = _ => defaults.ValidationScenes };
        var test = new Option<int>("--test-scenes") { Description = "Test scenes (reported numbers).", DefaultValueFactory = _ => defaults.TestScenes };
        var xis = new Option<string>("--xi") { Description = "The grid's KL coefficients, comma-separated.", DefaultValueFactory = _ => Join(defaults.Xis) };
        var rates = new Option<string>("--lr") { Description = "The grid's learning rates, comma-separated.", DefaultValueFactory = _ => Join(defaults.LearningRates) };
        var selection = new Option<long>("--selection-seed") { Description = "PPO seed of the validation grid.", DefaultValueFactory = _ => defaults.SelectionSeed };
        var seeds = new Option<string>("--seeds") { Description = "PPO seeds of the test runs, comma-separated.", DefaultValueFactory = _ => string.Join(',', defaults.TestSeeds) };
        var arms = new Option<string>("--arms") { Description = $"Rows to run, comma-separated: {string.Join(", ", Table4Arm.All.Select(a => a.Name))} (results.json covers every row in --out).", DefaultValueFactory = _ => string.Join(',', defaults.Arms) };
        var gridOnly = new Option<bool>("--grid-only") { Description = "Run the validation grids and the selection only." };
        var bestOfN = new Option<int>("--best-of") { Description = "n of the best-of-n SFT row.", DefaultValueFactory = _ => defaults.BestOfN };
        var bestOfPrompts = new Option<int?>("--best-of-prompts") { Description = "Prompts the best-of-n row samples for (default: the prompts a PPO run sees, steps x 16)." };
        var calibration = new Option<int>("--calibration-scenes") { Description = "Train-split scenes the warm-up policy describes to calibrate the verifier on (Eq. 7).", DefaultValueFactory = _ => defaults.CalibrationScenes };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads.", DefaultValueFactory = _ => defaults.Threads };
        var set = new Option<string[]>("--set") { Description = "Override a key of every run's trainer config: section.key=value (repeatable); the arm's and the grid's keys win." };
        var command = new Command("shapes-table4", "Shapes world: Table 4 (base, sentence-level PPO, token-level PPO, token-level PPO with the return estimator, best-of-n + SFT) " +
            "on the test split, settings chosen on validation, several PPO seeds; Figure 1 on the warm-up policy's own captions.")
            { output, data, remote, warm, steps, validation, test, xis, rates, selection, seeds, arms, gridOnly, bestOfN, bestOfPrompts, calibration, threads, set };
        command.SetAction(parse =>
        {
            var o = parse.GetValue(output)!.FullName;
            ShapesTable4Options options;
            try
            {
                options = new ShapesTable4Options
                {
                    OutputDirectory = o,
                    DataDirectory = parse.GetValue(data)?.FullName ?? Path.Combine(o, "data"),
                    VerifierAddress = parse.GetValue(remote),
                    WarmUpPolicy = parse.GetValue(warm)?.FullName,
                    PpoSteps = parse.GetValue(steps),
                    ValidationScenes = parse.GetValue(validation),
                    TestScenes = parse.GetValue(test),
                    Xis = Numbers(parse.GetValue(xis)!, "--xi"),
                    LearningRates = Numbers(parse.GetValue(rates)!, "--lr"),
                    SelectionSeed = parse.GetValue(selection),
                    TestSeeds = [.. Numbers(parse.GetValue(seeds)!, "--seeds").Select(s => (long)s)],
                    Arms = [.. parse.GetValue(arms)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => Table4Arm.Named(a).Name)],
                    GridOnly = parse.GetValue(gridOnly),
                    BestOfN = parse.GetValue(bestOfN),
                    BestOfNPrompts = parse.GetValue(bestOfPrompts),
                    CalibrationScenes = parse.GetValue(calibration),
                    Threads = parse.GetValue(threads),
                    Overrides = parse.GetValue(set) ?? [],
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"fisao-trainer: {e.Message}");
                return TrainerCli.Usage;
            }
            return ShapesTable4.RunAsync(options, line => Console.WriteLine(line)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static string Join(IEnumerable<double> values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static double[] Numbers(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option}: give at least one value.");
        return [.. parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v > 0
            ? v : throw new ArgumentException($"{option}: '{p}' is not a positive number."))];
    }
}
