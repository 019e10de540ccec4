using FiSAO.Models.Llava;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Tests;

public sealed class MemoryPlanTests
{
    private static readonly string Configs = Path.Combine(AppContext.BaseDirectory, "configs");

    private static (TrainerConfig Config, LlavaConfig Model) Paper() =>
        (TrainerConfigLoader.Load(Path.Combine(Configs, "llava-1.5-7b.json")), LlavaConfig.FromFile(Path.Combine(Configs, "llava-1.5-7b-hf.config.json")));

    [Fact]
    public void The_7b_plan_counts_the_published_weights_and_checkpointing_cuts_the_update_activations()
    {
        var (config, model) = Paper();
        var plain = MemoryPlan.Estimate(config, model, checkpointing: false);
        var checkpointed = MemoryPlan.Estimate(config, model, checkpointing: true);
        Assert.Equal(7_063_427_072 * 2.0, plain.Fixed[0].Bytes);                 // bf16 frozen weights
        // LoRA r 16 on q/k/v/o of 32 layers: 32 x 4 x 16 x (4096 + 4096) parameters, fp32, with gradients.
        Assert.Equal(32 * 4 * 16 * 8192 * 8.0, plain.Fixed[1].Bytes);
        Assert.True(checkpointed.Update.Bytes < plain.Update.Bytes / 5, $"{checkpointed.Update.Bytes} vs {plain.Update.Bytes}");
        Assert.Equal(plain.Generation.Bytes, checkpointed.Generation.Bytes);
        // Two devices halve each device's rollouts: half the KV cache.
        Assert.Equal(plain.Generation.Bytes / 2, MemoryPlan.Estimate(config, model, checkpointing: false, devices: 2).Generation.Bytes, 1e-6 * plain.Generation.Bytes);
    }

    [Fact]
    public void The_plan_command_prints_both_variants_and_whether_they_fit()
    {
        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "plan", "--config", Path.Combine(Configs, "llava-1.5-7b.json"),
            "--model-config", Path.Combine(Configs, "llava-1.5-7b-hf.config.json"), "--gpu-memory", "24");
        Assert.True(code == 0, text);
        Assert.Contains("activation checkpointing off", text);
        Assert.Contains("does NOT fit in 24 GiB", text);
        Assert.Contains("activation checkpointing on", text);
        Assert.Contains("fits in 24 GiB", text);

        (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "plan", "--config", Path.Combine(Configs, "llava-1.5-7b.json"));
        Assert.Equal(2, code);
        Assert.Contains("--model-config", text);
    }
}
