using System.Text.Json.Nodes;
using FiSAO.Trainer.Configuration;

namespace FiSAO.Trainer.Tests;

/// <summary>The memory and device keys of issue 15: defaults, overrides, refusals naming the key.</summary>
public sealed class ScaleConfigTests
{
    private static JsonObject Minimal() => JsonNode.Parse("""
        { "policy": { "model": "/m" }, "data": { "kind": "shapes" }, "reward": { "verifier_addresses": ["http://127.0.0.1:5000"] }, "run": { "output_dir": "/r" } }
        """)!.AsObject();

    [Fact]
    public void Micro_batches_default_to_the_minibatch_and_checkpointing_to_off()
    {
        var config = TrainerConfigLoader.Parse(Minimal());
        Assert.False(config.Policy.ActivationCheckpointing);
        Assert.Equal(0, config.Ppo.MicroBatchSize);
        Assert.Equal(config.Ppo.MinibatchSize, config.Ppo.RowsPerPass);
        config = TrainerConfigLoader.Parse(Minimal(), ["ppo.micro_batch_size=1", "policy.activation_checkpointing=true"]);
        Assert.True(config.Policy.ActivationCheckpointing);
        Assert.Equal(1, config.Ppo.RowsPerPass);
    }

    [Theory]
    [InlineData("ppo.micro_batch_size=5", "ppo.micro_batch_size: must not exceed ppo.minibatch_size (4)")]
    [InlineData("ppo.micro_batch_size=-1", "ppo.micro_batch_size: must be >= 0")]
    [InlineData("policy.device=cuda:0", "policy.activation_checkpointing: needs lora.dropout = 0 (or ppo.disable_dropout) on CUDA", "ppo.disable_dropout=false")]
    public void Bad_values_name_the_key(string assignment, string expected, string? also = null)
    {
        string[] assignments = also is null ? ["policy.activation_checkpointing=true", assignment] : ["policy.activation_checkpointing=true", assignment, also];
        var e = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Parse(Minimal(), assignments));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Checkpointing_on_cuda_with_lora_dropout_is_accepted_when_the_update_runs_without_dropout()
    {
        var config = TrainerConfigLoader.Parse(Minimal(), ["policy.activation_checkpointing=true", "policy.device=cuda:0", "lora.dropout=0.05"]);
        Assert.True(config.Ppo.DisableDropout);
        Assert.True(config.Policy.ActivationCheckpointing);
    }
}
