using System.CommandLine;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Training;
using Spectre.Console;

namespace FiSAO.Trainer.Commands;

/// <summary>The <c>fisao-trainer</c> command tree: train, evaluate (CHAIR/POPE on COCO), compare, calibrate, shapes-demo, evaluate-shapes, write-policy.</summary>
public static class TrainerCli
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand("fisao-trainer: FiSAO PPO on a LLaVA-style policy with token rewards from the FiSAO verifier.");
        root.Subcommands.Add(TrainCommand());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(PlanCommand.WriteRandomPolicy());
        foreach (var command in ShapesCommands.Create()) root.Subcommands.Add(command);
        foreach (var command in EvaluateCommands.Create()) root.Subcommands.Add(command);
        root.Subcommands.Add(CalibrateCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine("fisao-trainer: " + string.Join(" ", parse.Errors.Select(e => e.Message)) + " (see --help)");
            return Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (TrainerConfigException e)
        {
            Console.Error.WriteLine($"fisao-trainer: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // A path on the command line or in the config that is not there (a policy, adapter or data folder).
            Console.Error.WriteLine($"fisao-trainer: {e.Message}");
            return Usage;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"fisao-trainer: {e.Message}");
            return Failed;
        }
    }

    private static Command TrainCommand()
    {
        var config = new Option<FileInfo>("--config") { Description = "Trainer config JSON (see trainer/README.md).", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set ppo.xi=0.1 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint in run.output_dir." };
        var plain = new Option<bool>("--plain") { Description = "One line per step instead of a progress bar." };
        var command = new Command("train", "Run FiSAO PPO (Algorithm 1).") { config, set, resume, plain };
        command.SetAction(parse =>
        {
            var loaded = TrainerConfigLoader.Load(parse.GetValue(config)!.FullName, parse.GetValue(set) ?? []);
            return Train(loaded, parse.GetValue(resume), parse.GetValue(plain));
        });
        return command;
    }

    public static int Train(TrainerConfig config, bool resume, bool plain)
    {
        TrainingRunResult result;
        if (plain || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = TrainingRun.Run(config, resume, new Progress(m => Console.WriteLine(StepLine(m, config.Run.Steps))));
        }
        else
        {
            TrainingRunResult? done = null;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("PPO", maxValue: config.Run.Steps);
                    done = TrainingRun.Run(config, resume, new Progress(m =>
                    {
                        task.Value = m.Step;
                        task.Description = $"step {m.Step} reward {m.RewardMean:F3} hal {m.HallucinationRate:P0} kl {m.Kl:F3}";
                    }));
                });
            result = done!;
        }
        Console.WriteLine($"fisao-trainer: steps {result.FirstStep}..{result.StepsDone} done{(result.ResumedFrom is null ? "" : $" (resumed from {result.ResumedFrom})")}; " +
                          $"metrics in {Path.Combine(result.OutputDirectory, Metrics.MetricsLog.CsvFileName)}, adapters in {Path.Combine(result.OutputDirectory, TrainingRun.FinalAdaptersFolder)}");
        return Ok;
    }

    public static string StepLine(Metrics.StepMetrics m, int steps) =>
        $"step {m.Step}/{steps} reward {m.RewardMean:F4} kl {m.Kl:F4} clip {m.ClipFraction:F3} entropy {m.Entropy:F3} approx_kl {m.ApproxKl:F4} " +
        $"value_loss {m.ValueLoss:F4} mentions {m.Mentions} hallucinated {m.Hallucinated} ({m.Seconds:F2} s)";

    /// <summary>Synchronous IProgress (System.Progress posts to the thread pool; the bar must update in order).</summary>
    private sealed class Progress(Action<Metrics.StepMetrics> report) : IProgress<Metrics.StepMetrics>
    {
        public void Report(Metrics.StepMetrics value) => report(value);
    }
}
