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
    public void Dropout_activations_count_only_when_dropout_acts_in_the_update()
    {
        var (config, model) = Paper();
        Assert.True(config.Lora.Dropout > 0);
        double Update(double dropout, bool disable) => MemoryPlan.Estimate(
            config with { Lora = config.Lora with { Dropout = dropout }, Ppo = config.Ppo with { DisableDropout = disable } }, model, checkpointing: false).Update.Bytes;
        // ppo.disable_dropout runs the update in eval mode: no mask, no dropped copy, as if lora.dropout were 0.
        Assert.Equal(Update(0, disable: false), Update(config.Lora.Dropout, disable: true));
        Assert.True(Update(config.Lora.Dropout, disable: false) > Update(config.Lora.Dropout, disable: true));
    }

    [Fact]
    public void The_rollout_pass_counts_both_logit_rows_and_the_exact_kls_fp32_transients()
    {
        var (config, model) = Paper();
        MemoryPlan Plan(KlEstimator kl, bool disable) =>
            MemoryPlan.Estimate(config with { Ppo = config.Ppo with { KlEstimator = kl, DisableDropout = disable } }, model, checkpointing: false);
        var (k1, recomputed, full) = (Plan(KlEstimator.K1, false), Plan(KlEstimator.K1, true), Plan(KlEstimator.Full, true));
        // One micro-batch of rows x response tokens x vocabulary, bf16 logits (2 bytes): k1 with the sampler's pi_old holds the
        // reference's logits and one fp32 log_softmax with its fp32 cast; recomputing pi_old adds the policy's logits; the
        // exact KL holds both and five fp32 tensors with two fp32 casts.
        var cells = Math.Min(config.Ppo.RowsPerPass, config.Run.BatchSize) * config.Generation.MaxNewTokens * (double)model.TextConfig.VocabSize;
        Assert.Equal(cells * 2, recomputed.RolloutPass.Bytes - k1.RolloutPass.Bytes, 1e-9 * k1.RolloutPass.Bytes);
        Assert.Equal(cells * (20 + 8 - 4 - 4), full.RolloutPass.Bytes - recomputed.RolloutPass.Bytes, 1e-9 * full.RolloutPass.Bytes);
        Assert.Equal(full.Fixed.Sum(i => i.Bytes) + full.Phases.Max(i => i.Bytes) + full.Reserve.Bytes, full.PeakBytes);
        Assert.Contains(full.RolloutPass, full.Phases);
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
