using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Torch;

public class ScalarSafeAdamWTests
{
    // Own generators, not the global one: test classes run in parallel, and another class's draws between a
    // manual_seed and its randn would hand the two optimizers different numbers.
    private static List<Parameter> Parameters(long seed)
    {
        using var generator = new Generator((ulong)seed);
        return [new Parameter(randn([7, 5], generator: generator)), new Parameter(randn([5], generator: generator)),
                new Parameter(randn([3, 2, 4], generator: generator))];
    }

    /// <summary>Bit-for-bit equality of two float tensors.</summary>
    private static bool Same(Tensor a, Tensor b) => a.data<float>().ToArray().SequenceEqual(b.data<float>().ToArray());

    /// <summary>Gradients for step <paramref name="step"/>, the same for both optimizers.</summary>
    private static void SetGradients(IReadOnlyList<Parameter> parameters, int step)
    {
        using var generator = new Generator((ulong)(1000 + step));
        foreach (var p in parameters)
        {
            using var g = randn(p.shape, generator: generator) * 0.3;
            p.grad = g.clone();
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void Updates_are_bit_identical_to_torchsharps_adamw(double weightDecay)
    {
        var reference = Parameters(3);
        var ours = Parameters(3);
        using var torchAdamW = optim.AdamW(reference, lr: 3e-3, beta1: 0.85, beta2: 0.98, eps: 1e-6, weight_decay: weightDecay);
        using var safe = ScalarSafeAdamW.Create(ours, lr: 3e-3, beta1: 0.85, beta2: 0.98, eps: 1e-6, weightDecay: weightDecay);
        for (var step = 0; step < 25; step++)
        {
            SetGradients(reference, step);
            SetGradients(ours, step);
            if (step == 12) // a schedule changes the rate between steps
            {
                foreach (var g in torchAdamW.ParamGroups) g.LearningRate = 1e-3;
                foreach (var g in safe.ParamGroups) g.LearningRate = 1e-3;
            }
            torchAdamW.step();
            safe.step();
            for (var i = 0; i < ours.Count; i++)
                Assert.True(Same(reference[i], ours[i]), $"parameter {i} differs after step {step + 1}");
        }
    }

    [Fact]
    public void Parameter_groups_keep_their_own_options_and_a_reloaded_state_continues_exactly()
    {
        var reference = Parameters(5);
        var ours = Parameters(5);
        AdamW.ParamGroup[] Groups(List<Parameter> p) =>
        [
            new(p.Take(2), new AdamW.Options { LearningRate = 1e-2, weight_decay = 0.1 }),
            new(p.Skip(2), new AdamW.Options { LearningRate = 1e-2, weight_decay = 0 }),
        ];
        using var torchAdamW = optim.AdamW(Groups(reference), 1e-2, beta2: 0.98);
        using var safe = ScalarSafeAdamW.Create(Groups(ours), 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0);
        for (var step = 0; step < 5; step++)
        {
            SetGradients(reference, step);
            SetGradients(ours, step);
            torchAdamW.step();
            safe.step();
        }
        Assert.All(Enumerable.Range(0, ours.Count), i => Assert.True(Same(reference[i], ours[i])));

        // Checkpoints (TorchSharp's optimizer format, which records the type name): a reloaded optimizer continues exactly
        // like the reference that never stopped.
        var file = Path.Combine(Path.GetTempPath(), $"fisao-adamw-{Guid.NewGuid():N}.bin");
        try
        {
            safe.save_state_dict(file);
            var resumed = Parameters(5);
            for (var i = 0; i < resumed.Count; i++) using (no_grad()) resumed[i].copy_(ours[i]);
            using var reloaded = ScalarSafeAdamW.Create(Groups(resumed), 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0);
            reloaded.load_state_dict(file);
            SetGradients(resumed, 5);
            SetGradients(reference, 5);
            reloaded.step();
            torchAdamW.step();
            Assert.All(Enumerable.Range(0, ours.Count), i => Assert.True(Same(resumed[i], reference[i])));
        }
        finally { File.Delete(file); }
    }
}
