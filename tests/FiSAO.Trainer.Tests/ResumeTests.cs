using FiSAO.Trainer.Checkpoints;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using Xunit.Abstractions;

namespace FiSAO.Trainer.Tests;

/// <summary>kill -9 during training, --resume, and the result equals the uninterrupted run's: on one device, and on two
/// (policy.devices from the command line, as a user sets it).</summary>
public sealed class ResumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string WriteConfig(string directory, AdvantageMode mode)
    {
        var config = TestConfigs.Toy(Path.Combine(directory, "run"), steps: 12, advantageMode: mode) with { };
        config = config with { Run = config.Run with { CheckpointInterval = 3 } };
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, TrainerConfigLoader.Serialize(config));
        return path;
    }

    [Theory]
    [InlineData(AdvantageMode.TokenReward, 1)]
    [InlineData(AdvantageMode.Gae, 1)]
    [InlineData(AdvantageMode.Gae, 2)]
    public void A_run_killed_after_a_checkpoint_resumes_without_losing_or_repeating_a_step_and_ends_as_the_uninterrupted_run(AdvantageMode mode, int devices)
    {
        // Two replicas on the one CPU share its generator, from which their threads would draw LoRA dropout masks in
        // whichever order they run (with ppo.disable_dropout false): dropout 0 makes two devices repeat in either mode.
        string[] settings = devices == 1 ? [] : ["--set", $"policy.devices={string.Join(',', Enumerable.Repeat("cpu", devices))}", "--set", "lora.dropout=0"];
        var uninterrupted = TestDirectories.New($"straight-{mode}-{devices}");
        var straight = TrainerProcess.Run(Timeout, ["train", "--config", WriteConfig(uninterrupted, mode), "--plain", .. settings]);
        Assert.True(straight.ExitCode == 0, straight.Output);

        var killed = TestDirectories.New($"killed-{mode}-{devices}");
        var config = WriteConfig(killed, mode);
        var run = Path.Combine(killed, "run");
        int killedAt;
        using (var trainer = TrainerProcess.Start(["train", "--config", config, "--plain", .. settings]))
        {
            // Kill -9 as soon as the first checkpoint is complete (its pointer exists).
            var deadline = DateTime.UtcNow + Timeout;
            while (TrainerCheckpoint.FindLatest(run) is null && !trainer.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(10);
            trainer.Kill();
            killedAt = CsvSteps(run).Count;
            output.WriteLine($"killed after {killedAt} logged steps; output so far:\n{trainer.Output}");
        }
        var checkpoint = TrainerCheckpoint.FindLatest(run);
        Assert.NotNull(checkpoint);
        var state = TrainerCheckpoint.ReadState(checkpoint!);
        Assert.True(state.StepsDone < 12, $"the run finished before it could be killed (checkpoint {state.StepsDone})");

        var resumed = TrainerProcess.Run(Timeout, ["train", "--config", config, "--resume", "--plain", .. settings]);
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        output.WriteLine(resumed.Output);
        Assert.Contains($"steps {state.StepsDone + 1}..12 done (resumed from", resumed.Output);

        // The CSV holds steps 1..12 exactly once each, in order.
        var steps = CsvSteps(run);
        Assert.Equal(Enumerable.Range(1, 12), steps.Select(r => r.Step));
        // Every metric but the wall time equals the uninterrupted run's (same code, same seeds, restored RNG and optimiser).
        var reference = CsvSteps(Path.Combine(uninterrupted, "run"));
        Assert.Equal(reference.Select(r => r.WithoutTime), steps.Select(r => r.WithoutTime));
        // And so do the final adapters, byte for byte.
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(uninterrupted, "run", TrainingRun.FinalAdaptersFolder, "adapter_model.safetensors")),
            File.ReadAllBytes(Path.Combine(run, TrainingRun.FinalAdaptersFolder, "adapter_model.safetensors")));
    }

    private sealed record Row(int Step, string WithoutTime);

    private static List<Row> CsvSteps(string run)
    {
        var path = Path.Combine(run, MetricsLog.CsvFileName);
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1);
        return [.. lines.Select(l => l.Split(',')).Where(c => c.Length == StepMetrics.Columns.Length)
            .Select(c => new Row(int.Parse(c[0]), string.Join(',', c[..^StepMetrics.TimeColumns])))];
    }
}
