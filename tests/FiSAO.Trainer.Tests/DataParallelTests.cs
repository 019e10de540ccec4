using System.Globalization;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using TensorAssert = FiSAO.Models.Tests.Support.TensorAssert;

namespace FiSAO.Trainer.Tests;

/// <summary>
/// policy.devices: two replicas of the policy (both on the CPU here; the code has no device of its own) give the run of
/// one device: the same rollouts (seeds by the rollout's index), the same rewards, the same updates (the replicas'
/// gradients summed on the first, the stepped weights copied back), up to float summation order.
/// </summary>
// Runs alone: in-process training runs seed libtorch's global generator.
[Collection(GlobalRngCollection.Name)]
public sealed class DataParallelTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    // kl, approx_kl and the losses are differences of float32 log-probs of about -2.5 (one ulp: 2.4e-7), so a few ulps of
    // summation order (a share's forward instead of the whole batch's) move them by ~1e-7 whatever their size: measured
    // 9e-8 on a kl of -3.3e-3 (2.7e-5 relative), 3e-9 on a total reward of -1.2e-5 (2.7e-4 relative). Below this floor a
    // difference is rounding; a missing gradient sum or weight copy moved a metric by 8 % or more (checked).
    private const double Floor = 1e-6;

    private static string Run(AdvantageMode mode, KlEstimator kl, string[]? devices, string name)
    {
        var directory = TestDirectories.New(name);
        var config = TestConfigs.Toy(directory, steps: 5, advantageMode: mode);
        // LoRA dropout 0: with ppo.disable_dropout false a share of a minibatch would draw other dropout masks than the whole
        // minibatch (same distribution), and only without dropout can two layouts give one number (as with micro-batches).
        // Learning rate 1e-3 (the shapes demo's) rather than the toy's 1e-2: AdamW divides by the root of the second moment,
        // so where a gradient is near zero its rounding differences become weight differences of up to a step; at 1e-2 the
        // largest gae adapter difference was 9.9e-6 after 5 steps, too close to the tolerance to say anything.
        config = config with
        {
            Policy = config.Policy with { Devices = devices }, Lora = config.Lora with { Dropout = 0 },
            Ppo = config.Ppo with { LearningRate = 1e-3, KlEstimator = kl },
        };
        TrainingRun.Run(config, resume: false);
        return directory;
    }

    [Theory]
    [InlineData(AdvantageMode.TokenReward, KlEstimator.K1)]
    [InlineData(AdvantageMode.Gae, KlEstimator.K1)]
    // The exact KL over the vocabulary and returns-to-go: the rollout pass's several results gathered from the shares.
    [InlineData(AdvantageMode.Return, KlEstimator.Full)]
    public void Two_devices_give_the_metrics_and_adapters_of_one_device(AdvantageMode mode, KlEstimator kl)
    {
        var one = Run(mode, kl, devices: null, $"dp-one-{mode}-{kl}");
        var two = Run(mode, kl, devices: ["cpu", "cpu"], $"dp-two-{mode}-{kl}");

        var expected = MetricRows(one);
        var actual = MetricRows(two);
        Assert.Equal(5, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        var (worst, worstColumn) = (0.0, "");
        for (var row = 0; row < expected.Count; row++)
            for (var c = 0; c < expected[row].Length; c++)
            {
                var (a, b) = (expected[row][c], actual[row][c]);
                var scale = Math.Max(Math.Abs(a), Math.Abs(b));
                if (scale > 0 && Math.Abs(a - b) / scale > worst) (worst, worstColumn) = (Math.Abs(a - b) / scale, $"{StepMetrics.Columns[c]} at step {row + 1}, {a:E3} vs {b:E3}");
                Assert.True(Math.Abs(a - b) <= Tolerance * scale + Floor,
                    $"step {row + 1}, {StepMetrics.Columns[c]}: one device {a.ToString("R", CultureInfo.InvariantCulture)}, two devices {b.ToString("R", CultureInfo.InvariantCulture)}");
            }
        output.WriteLine($"{mode}: largest relative difference of a metric {worst:E2} ({worstColumn})");
        // The run learnt something (the comparison is not between two untouched adapters).
        Assert.Contains(expected, r => r[Array.IndexOf(StepMetrics.Columns, "kl")] != 0);

        var adaptersOne = Adapters(one);
        var adaptersTwo = Adapters(two);
        Assert.Equal(adaptersOne.Keys.Order(), adaptersTwo.Keys.Order());
        var largest = 0.0;
        foreach (var (name, tensor) in adaptersOne)
        {
            TensorAssert.Close(tensor, adaptersTwo[name], Tolerance, 0, $"{mode}: adapter {name}");
            largest = Math.Max(largest, TensorAssert.MaxAbsDiff([.. TensorAssert.ToFloats(tensor).Select(v => (double)v)], [.. TensorAssert.ToFloats(adaptersTwo[name]).Select(v => (double)v)]));
        }
        output.WriteLine($"{mode}: largest difference of an adapter weight {largest:E2}");
        Assert.Contains(adaptersOne, a => a.Key.Contains("lora_B", StringComparison.Ordinal) && TensorAssert.ToFloats(a.Value).Any(v => v != 0));
    }

    [Fact]
    public void The_device_list_comes_from_the_config_or_from_set_as_a_comma_separated_list()
    {
        var directory = TestDirectories.New("dp-config");
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, TrainerConfigLoader.Serialize(TestConfigs.Toy(directory)));
        Assert.Equal(["cpu"], TrainerConfigLoader.Load(path).Policy.DeviceList);
        Assert.Equal(["cuda:0", "cuda:1"], TrainerConfigLoader.Load(path, ["policy.devices=cuda:0,cuda:1"]).Policy.DeviceList);
        Assert.Equal(["cpu", "cpu"], TrainerConfigLoader.Load(path, ["policy.devices=[\"cpu\", \"cpu\"]"]).Policy.DeviceList);
        // Written back as a list, read again as the same list.
        var loaded = TrainerConfigLoader.Load(path, ["policy.devices=cuda:0,cuda:1"]);
        File.WriteAllText(path, TrainerConfigLoader.Serialize(loaded));
        Assert.Equal(["cuda:0", "cuda:1"], TrainerConfigLoader.Load(path).Policy.DeviceList);

        var bad = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Load(path, ["policy.devices=cuda:0,gpu1"]));
        Assert.Contains("policy.devices: 'gpu1'", bad.Message);
        var both = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Load(path, ["policy.device=cuda:1", "policy.devices=cuda:0,cuda:2"]));
        Assert.Contains("policy.devices", both.Message);
        var empty = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Load(path, ["policy.devices=[]"]));
        Assert.Contains("policy.devices", empty.Message);
        var shared = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Load(path,
            ["policy.devices=cpu,cpu", "policy.activation_checkpointing=true", "lora.dropout=0.1", "ppo.disable_dropout=false"]));
        Assert.Contains("policy.activation_checkpointing: needs lora.dropout = 0 (or ppo.disable_dropout) with several cpu entries", shared.Message);
    }

    private static List<double[]> MetricRows(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, MetricsLog.CsvFileName));
        Assert.Equal(StepMetrics.Columns, lines[0].Split(','));
        return [.. lines.Skip(1).Select(l => l.Split(',')[..^StepMetrics.TimeColumns].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
    }

    private static Dictionary<string, TorchSharp.torch.Tensor> Adapters(string run)
    {
        using var stream = File.OpenRead(Path.Combine(run, TrainingRun.FinalAdaptersFolder, "adapter_model.safetensors"));
        return Safetensors.LoadStateDict(stream);
    }
}
