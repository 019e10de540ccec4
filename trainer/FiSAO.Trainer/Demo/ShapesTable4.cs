using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Demo;

/// <summary>Sizes and grids of <c>shapes-table4</c> (defaults: the documented run).</summary>
public sealed record ShapesTable4Options
{
    public required string OutputDirectory { get; init; }
    public required string DataDirectory { get; init; }
    public string? VerifierAddress { get; init; }

    /// <summary>A warmed-up policy folder to reuse (default: <c>OUT/policy-warm</c>, trained there when missing).</summary>
    public string? WarmUpPolicy { get; init; }
    public WarmUpOptions WarmUp { get; init; } = new();
    public int PpoSteps { get; init; } = ShapesDemoOptions.DefaultPpoSteps;
    public int ValidationScenes { get; init; } = 500;
    public int TestScenes { get; init; } = 500;
    public IReadOnlyList<double> Xis { get; init; } = [0.005, 0.01, 0.02];
    public IReadOnlyList<double> LearningRates { get; init; } = [5e-4, 1e-3];

    /// <summary>The PPO seed of every validation run (the grid).</summary>
    public long SelectionSeed { get; init; } = 1;

    /// <summary>The PPO seeds of the test runs (fresh: none is the selection seed).</summary>
    public IReadOnlyList<long> TestSeeds { get; init; } = [11, 12, 13];
    public IReadOnlyList<string> Arms { get; init; } = [.. Table4Arm.All.Select(a => a.Name)];
    public int BestOfN { get; init; } = 8;

    /// <summary>Prompts the best-of-n row samples for (null: every prompt a PPO run sees, steps x 16).</summary>
    public int? BestOfNPrompts { get; init; }
    public int CalibrationScenes { get; init; } = 400;
    public long CalibrationSeed { get; init; } = 555;

    /// <summary>Only the validation grids and the selection (no test runs).</summary>
    public bool GridOnly { get; init; }
    public IReadOnlyList<string> Overrides { get; init; } = [];
    public int Threads { get; init; } = 2;
}

/// <summary>
/// The shapes world's Table 4 under a reviewer's rules (issue 13), in one command: splits train / val / test; one
/// warm-up reused by every arm; the verifier calibrated on the warm-up policy's own train-split responses; Figure 1 on its
/// own test captions; per arm a validation grid (xi x learning rate; the SFT arm: learning rate) with one PPO seed and the
/// same budget, the setting chosen by <see cref="ValidationSelection"/>; then the chosen setting on fresh seeds, evaluated
/// on the test split only. Every run's result is a file in the output folder and is reused when present, so rows can be
/// run one at a time (<c>--arms</c>) and an interrupted run continues. Writes results.json and table.md.
/// </summary>
public static class ShapesTable4
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task<int> RunAsync(ShapesTable4Options o, Action<string> log)
    {
        var total = Stopwatch.StartNew();
        TorchSharp.torch.set_num_threads(o.Threads);
        var output = Directory.CreateDirectory(o.OutputDirectory).FullName;
        var times = new Dictionary<string, double>();
        var watch = Stopwatch.StartNew();
        void Lap(string name) { times[name] = Math.Round(times.GetValueOrDefault(name) + watch.Elapsed.TotalSeconds, 1); watch.Restart(); }
        var arms = o.Arms.Select(Table4Arm.Named).ToList();

        using var child = o.VerifierAddress is null
            ? await VerifierHost.StartDefaultAsync(Directory.CreateDirectory(Path.Combine(o.DataDirectory, "verifier")).FullName, log)
            : null;
        var verifier = o.VerifierAddress ?? child!.Address;
        var clip = await VerifierHost.ModelPathAsync(verifier);
        var entities = Path.Combine(clip, ShapesVocabulary.EntityFileName);
        log($"verifier: {verifier}, serving {clip}");
        Lap("verifier");

        var splits = ShapesSplits.Create(o.ValidationScenes, o.TestScenes);
        var coco = Path.Combine(output, "coco");
        splits.Export(coco, log);
        Lap("export_coco");

        var warm = o.WarmUpPolicy ?? Path.Combine(output, "policy-warm");
        if (!File.Exists(Path.Combine(warm, "model.safetensors")))
        {
            var basePolicy = Path.Combine(output, "policy-base");
            ShapesPolicy.WriteBase(basePolicy, clip, ShapesDemoOptions.DefaultPolicy);
            ShapesPolicy.WarmUp(basePolicy, warm, o.WarmUp, log);
        }
        else log($"warm-up: reusing {warm}");
        Lap("warm_up");

        var baseConfig = ShapesDemo.PpoConfig(warm, verifier, coco, entities, Path.Combine(output, "unused"), o.PpoSteps, o.Threads, o.Overrides);
        var temperature = baseConfig.Generation.Temperature;
        // Calibrated on every start (seeded, seconds): a verifier that restarted has lost the applied calibration.
        var calibrated = await CocoCalibration.RunAsync(new CalibrationRunOptions
        {
            Policy = warm, Coco = coco, CocoSplit = splits.Train.Name, Entities = entities, Verifier = verifier, Samples = o.CalibrationScenes,
            Seed = o.CalibrationSeed, Prompt = ShapesPolicy.Prompt, MaxNewTokens = baseConfig.Generation.MaxNewTokens, Temperature = temperature,
            Apply = true, Out = Path.Combine(output, "calibration.json"),
        }, log);
        if (!calibrated.Applied) throw new InvalidOperationException($"The verifier did not apply the policy calibration: {calibrated.NotAppliedReason}");
        var calibration = calibrated.Calibration;
        log($"calibration ({calibrated.Samples} train images): mu_gt {calibration.MuGt:F3}, mu_hal {calibration.MuHal:F3}, " +
            $"{calibration.CorrectCount} correct / {calibration.HallucinatedCount} hallucinated mentions");
        Lap("calibration");

        using var scorer = new VerifierReward(new RewardSettings { VerifierAddresses = [verifier] });
        ShapesSplitScores Evaluate(string? adapters, ShapesSplit split, bool rewards) => new(
            ShapesScores.From(ShapesEvaluation.Run(warm, adapters, split.Seed, split.Scenes, rewards ? scorer : null)),
            ShapesScores.From(ShapesEvaluation.Run(warm, adapters, split.Seed, split.Scenes, rewards ? scorer : null, temperature: temperature)));
        var baseValidation = Cached(Path.Combine(output, "base", "val.json"), () => Evaluate(null, splits.Validation, false));
        var baseTest = Cached(Path.Combine(output, "base", "test.json"), () => Evaluate(null, splits.Test, true));
        log($"warm-up policy: validation greedy CHAIR_i {baseValidation.Greedy.ChairI:P1}, recall {baseValidation.Greedy.Recall:P1}");
        Lap("evaluate_base");

        var figure1Folder = Path.Combine(output, "figure1-own");
        if (!File.Exists(Path.Combine(figure1Folder, "figure1.json")))
        {
            var figure = OwnCaptionsFigure1.Run(warm, null, splits.Test.Seed, splits.Test.Scenes, scorer, temperature);
            OwnCaptionsFigure1.Write(figure, figure1Folder, splits.Test.Name);
            log($"Figure 1 on the warm-up policy's own test captions: token-level AUROC {figure.TokenAuroc:F3}, sentence-level AUROC {figure.SentenceAuroc:F3}");
        }
        Lap("figure1_own");

        // Trains one arm at one setting and seed into folder/run and evaluates it on the split (both cached).
        ShapesSplitScores TrainAndEvaluate(Table4Arm arm, Table4Setting setting, long seed, string folder, ShapesSplit split, string lap)
        {
            var file = Path.Combine(folder, $"{split.Name}.json");
            var run = Path.Combine(folder, "run");
            var config = ShapesDemo.PpoConfig(warm, verifier, coco, entities, run, o.PpoSteps, o.Threads,
                [.. arm.Overrides, .. setting.Overrides, .. o.Overrides, $"run.seed={seed}"]);
            // A result is reused only for the same run (config; the SFT row: its pool size) and the same scenes.
            int? poolPrompts = arm.Kind == Table4ArmKind.BestOfNSft ? o.BestOfNPrompts : null;
            var key = JsonSerializer.Serialize(new { config = TrainerConfigLoader.Serialize(config), best_of = o.BestOfN, BestOfNPrompts = poolPrompts, split });
            var keyFile = Path.Combine(folder, "run-key.json");
            if (File.Exists(keyFile) && File.ReadAllText(keyFile) != key) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            File.WriteAllText(keyFile, key);
            if (File.Exists(file)) return JsonSerializer.Deserialize<ShapesSplitScores>(File.ReadAllText(file))!;
            var adapters = Path.Combine(run, TrainingRun.FinalAdaptersFolder);
            if (!File.Exists(Path.Combine(adapters, "adapter_model.safetensors")))
            {
                log($"{arm.Name} {setting}, seed {seed}: training");
                if (arm.Kind == Table4ArmKind.Ppo) ShapesDemo.Run(config, log);
                else
                {
                    // One pool per seed, shared by the learning rates (it does not depend on them).
                    var pool = Path.Combine(output, "best-of-n", $"seed-{seed}-n{o.BestOfN}-prompts{o.BestOfNPrompts ?? config.Run.Steps * config.Run.BatchSize}.jsonl");
                    Directory.CreateDirectory(Path.GetDirectoryName(pool)!);
                    using var rewards = TrainingRun.CreateRewardSource(config);
                    var result = BestOfNSft.Run(config, o.BestOfN, rewards, log, pool, o.BestOfNPrompts);
                    log($"{arm.Name}: {result.Prompts} prompts x {result.N}: mean summed reward {result.MeanCandidateReward:F3} per sample, " +
                        $"{result.MeanSelectedReward:F3} selected; {result.Updates} SFT updates");
                }
                Lap(lap + "_train");
            }
            var scores = Evaluate(adapters, split, rewards: split.Name == splits.Test.Name);
            File.WriteAllText(file, JsonSerializer.Serialize(scores, Json) + "\n");
            Lap(lap + "_evaluate");
            log($"{arm.Name} {setting}, seed {seed}, {split.Name}: greedy CHAIR_i {scores.Greedy.ChairI:P1}, recall {scores.Greedy.Recall:P1}; " +
                $"sampled CHAIR_i {scores.Sampled.ChairI:P1}");
            return scores;
        }

        foreach (var arm in arms)
        {
            var grid = arm.Grid(o.Xis, o.LearningRates);
            var results = grid.Select(s => (Setting: s, Scores: TrainAndEvaluate(arm, s, o.SelectionSeed, Path.Combine(output, "grid", arm.Name, s.Folder), splits.Validation, "grid"))).ToList();
            var chosen = ValidationSelection.Select([.. results.Select(r => (r.Setting, r.Scores.Greedy))], baseValidation.Greedy.Recall);
            File.WriteAllText(Path.Combine(output, "grid", arm.Name, "selection.json"), JsonSerializer.Serialize(new
            {
                criterion = ValidationSelection.Criterion,
                split = splits.Validation.Name,
                seed = o.SelectionSeed,
                warm_up_greedy_recall = baseValidation.Greedy.Recall,
                selected = chosen,
            }, Json) + "\n");
            log($"{arm.Name}: selected {chosen} on validation");
            if (o.GridOnly) continue;
            foreach (var seed in o.TestSeeds)
                TrainAndEvaluate(arm, chosen, seed, Path.Combine(output, "test", arm.Name, $"seed-{seed}"), splits.Test, "test");
        }

        times["total"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        var report = Report(o, output, splits, baseValidation, baseTest, calibrated, times);
        File.WriteAllText(Path.Combine(output, "results.json"), JsonSerializer.Serialize(report.Results, Json) + "\n");
        File.WriteAllText(Path.Combine(output, "table.md"), report.Table);
        log($"results: {Path.Combine(output, "results.json")}");
        foreach (var line in report.Table.TrimEnd().Split('\n')) log(line);
        log($"time: {string.Join(", ", times.Select(t => $"{t.Key} {t.Value:F0} s"))}");
        return 0;
    }

    private static T Cached<T>(string file, Func<T> compute)
    {
        if (File.Exists(file)) return JsonSerializer.Deserialize<T>(File.ReadAllText(file))!;
        var value = compute();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, JsonSerializer.Serialize(value, Json) + "\n");
        return value;
    }

    private sealed record ArmReport(Table4Arm Arm, IReadOnlyList<(Table4Setting Setting, ShapesSplitScores Validation)> Grid, Table4Setting? Selected,
        IReadOnlyList<(long Seed, ShapesSplitScores Test)> Test);

    /// <summary>results.json and table.md from the files in the output folder: every arm with a selection and test results.</summary>
    private static (object Results, string Table) Report(ShapesTable4Options o, string output, ShapesSplits splits, ShapesSplitScores baseValidation,
        ShapesSplitScores baseTest, CalibrationRunResult calibrated, IReadOnlyDictionary<string, double> times)
    {
        var arms = new List<ArmReport>();
        foreach (var arm in Table4Arm.All)
        {
            var gridFolder = Path.Combine(output, "grid", arm.Name);
            if (!Directory.Exists(gridFolder)) continue;
            var grid = arm.Grid(o.Xis, o.LearningRates)
                .Select(s => (s, File: Path.Combine(gridFolder, s.Folder, $"{splits.Validation.Name}.json")))
                .Where(x => File.Exists(x.File))
                .Select(x => (x.s, JsonSerializer.Deserialize<ShapesSplitScores>(File.ReadAllText(x.File))!)).ToList();
            var selectionFile = Path.Combine(gridFolder, "selection.json");
            Table4Setting? selected = null;
            if (File.Exists(selectionFile))
            {
                var node = JsonDocument.Parse(File.ReadAllText(selectionFile)).RootElement.GetProperty("selected");
                selected = node.Deserialize<Table4Setting>();
            }
            var test = Directory.Exists(Path.Combine(output, "test", arm.Name))
                ? Directory.GetDirectories(Path.Combine(output, "test", arm.Name), "seed-*")
                    .Where(d => File.Exists(Path.Combine(d, $"{splits.Test.Name}.json")))
                    .Select(d => (Seed: long.Parse(Path.GetFileName(d)["seed-".Length..], CultureInfo.InvariantCulture),
                        Test: JsonSerializer.Deserialize<ShapesSplitScores>(File.ReadAllText(Path.Combine(d, $"{splits.Test.Name}.json")))!))
                    .OrderBy(x => x.Seed).ToList()
                : [];
            arms.Add(new ArmReport(arm, grid, selected, test));
        }

        var c = calibrated.Calibration;
        var results = new
        {
            splits = splits.Describe(),
            reported_split = splits.Test.Name,
            ppo_steps = o.PpoSteps,
            rollouts_per_step = 16,
            best_of_n = o.BestOfN,
            best_of_n_prompts = o.BestOfNPrompts ?? o.PpoSteps * 16,
            selection = new { criterion = ValidationSelection.Criterion, split = splits.Validation.Name, seed = o.SelectionSeed },
            test_seeds = o.TestSeeds,
            grid = new { xi = o.Xis, learning_rate = o.LearningRates },
            overrides = o.Overrides,
            calibration = new
            {
                split = splits.Train.Name, scenes = o.CalibrationScenes, seed = o.CalibrationSeed, mu_gt = Math.Round(c.MuGt, 4), mu_hal = Math.Round(c.MuHal, 4),
                correct = c.CorrectCount, hallucinated = c.HallucinatedCount,
            },
            warm_up = new { validation = baseValidation, test = baseTest },
            arms = arms.ToDictionary(a => a.Arm.Name, a => (object)new
            {
                label = a.Arm.Label,
                settings = a.Arm.Overrides,
                validation_grid = a.Grid.Select(g => new { setting = g.Setting, validation = g.Validation }),
                selected = a.Selected,
                test_per_seed = a.Test.ToDictionary(t => t.Seed.ToString(CultureInfo.InvariantCulture), t => t.Test),
                test_mean = a.Test.Count == 0 ? null : new { greedy = Spread(a.Test.Select(t => t.Test.Greedy).ToList()), sampled = Spread(a.Test.Select(t => t.Test.Sampled).ToList()) },
            }),
            paired_differences = Differences(arms),
            seconds = times,
            threads = o.Threads,
        };
        return (results, Table(arms, baseTest, splits, o));
    }

    private static Dictionary<string, SeedSpread> Spread(IReadOnlyList<ShapesScores> seeds) => new()
    {
        ["chair_s"] = SeedSpread.Of([.. seeds.Select(s => s.ChairS)]),
        ["chair_i"] = SeedSpread.Of([.. seeds.Select(s => s.ChairI)]),
        ["chair_i_distinct"] = SeedSpread.Of([.. seeds.Select(s => s.ChairIDistinct)]),
        ["recall"] = SeedSpread.Of([.. seeds.Select(s => s.Recall)]),
        ["companions"] = SeedSpread.Of([.. seeds.Select(s => (double)s.Companions)]),
    };

    /// <summary>Test greedy / sampled CHAIR_i of each token arm minus the sentence arm's, seed by seed (same seed: same LoRA
    /// initialisation and prompt order), with mean and spread.</summary>
    private static Dictionary<string, object> Differences(IReadOnlyList<ArmReport> arms)
    {
        var result = new Dictionary<string, object>();
        var sentence = arms.FirstOrDefault(a => a.Arm.Name == "sentence");
        if (sentence is null || sentence.Test.Count == 0) return result;
        foreach (var arm in arms.Where(a => a.Arm.Name != "sentence" && a.Test.Count > 0))
        {
            var pairs = arm.Test.Join(sentence.Test, t => t.Seed, s => s.Seed, (t, s) => (t.Seed, Token: t.Test, Sentence: s.Test)).ToList();
            if (pairs.Count == 0) continue;
            result[$"{arm.Arm.Name} - sentence"] = new
            {
                seeds = pairs.Select(p => p.Seed),
                greedy_chair_i = SeedSpread.Of([.. pairs.Select(p => p.Token.Greedy.ChairI - p.Sentence.Greedy.ChairI)]),
                sampled_chair_i = SeedSpread.Of([.. pairs.Select(p => p.Token.Sampled.ChairI - p.Sentence.Sampled.ChairI)]),
                greedy_recall = SeedSpread.Of([.. pairs.Select(p => p.Token.Greedy.Recall - p.Sentence.Greedy.Recall)]),
            };
        }
        return result;
    }

    private static string Table(IReadOnlyList<ArmReport> arms, ShapesSplitScores baseTest, ShapesSplits splits, ShapesTable4Options o)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"Test split ({splits.Test.Scenes} scenes, seed {splits.Test.Seed}); mean ± sd over PPO seeds {string.Join(", ", o.TestSeeds)}; settings chosen on validation (seed {splits.Validation.Seed}).");
        b.AppendLine();
        b.AppendLine("| row | setting | greedy CHAIR_s | greedy CHAIR_i | greedy distinct | greedy recall | greedy companions | sampled CHAIR_s | sampled CHAIR_i | sampled distinct | sampled recall | sampled companions |");
        b.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        static string Cells(ShapesScores s) => FormattableString.Invariant(
            $"{s.ChairS * 100:F1} | {s.ChairI * 100:F1} | {s.ChairIDistinct * 100:F1} | {s.Recall * 100:F1} | {s.Companions}");
        b.AppendLine($"| warm-up policy (base) | | {Cells(baseTest.Greedy)} | {Cells(baseTest.Sampled)} |");
        foreach (var arm in arms.Where(a => a.Test.Count > 0))
        {
            var greedy = Spread(arm.Test.Select(t => t.Test.Greedy).ToList());
            var sampled = Spread(arm.Test.Select(t => t.Test.Sampled).ToList());
            string Row(Dictionary<string, SeedSpread> s) => string.Join(" | ",
                s["chair_s"].Format(true), s["chair_i"].Format(true), s["chair_i_distinct"].Format(true), s["recall"].Format(true), s["companions"].Format(false));
            b.AppendLine($"| {arm.Arm.Label} (n = {arm.Test.Count}) | {arm.Selected} | {Row(greedy)} | {Row(sampled)} |");
        }
        return b.ToString();
    }
}
