using System.Text.Json.Nodes;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Tests.Support;

namespace FiSAO.Trainer.Tests;

public sealed class ConfigTests
{
    private static JsonObject Minimal() => JsonNode.Parse("""
        {
          "policy": { "model": "/models/llava-1.5-7b-hf" },
          "data": { "kind": "llava-instruct", "path": "/data/llava_instruct_150k.json", "image_root": "/data/coco/train2017" },
          "reward": { "verifier_addresses": ["http://127.0.0.1:5000"] },
          "run": { "output_dir": "/runs/a" }
        }
        """)!.AsObject();

    [Fact]
    public void A_minimal_config_gets_the_documented_defaults()
    {
        var config = TrainerConfigLoader.Parse(Minimal());
        Assert.Equal(AdvantageMode.TokenReward, config.Ppo.AdvantageMode);
        Assert.Equal(RewardMode.Token, config.Reward.Mode);
        Assert.Equal(4, config.Ppo.PpoEpochs);
        Assert.False(config.Ppo.Whiten);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj"], config.Lora.TargetModules);
    }

    [Fact]
    public void Overrides_set_nested_keys_with_json_values_or_strings()
    {
        var config = TrainerConfigLoader.Parse(Minimal(), ["ppo.xi=0.2", "ppo.advantage_mode=gae", "lora.target_modules=[\"q_proj\",\"v_proj\"]", "policy.device=cuda:1"]);
        Assert.Equal(0.2, config.Ppo.Xi);
        Assert.True(config.Ppo.IsGae && config.Ppo.Whiten);
        Assert.Equal(["q_proj", "v_proj"], config.Lora.TargetModules);
        Assert.Equal("cuda:1", config.Policy.Device);
    }

    [Fact]
    public void The_return_advantage_mode_parses_by_its_json_name_and_is_not_whitened_by_default()
    {
        var config = TrainerConfigLoader.Parse(Minimal(), ["ppo.advantage_mode=return", "ppo.gamma=0.9"]);
        Assert.Equal(AdvantageMode.Return, config.Ppo.AdvantageMode);
        Assert.False(config.Ppo.IsGae || config.Ppo.Whiten);
        Assert.Equal("return", config.Ppo.AdvantageMode.Name());
    }

    [Fact]
    public void Kl_estimator_placement_and_dropout_keys_default_to_k1_all_and_dropout_off_in_the_update()
    {
        var defaults = TrainerConfigLoader.Parse(Minimal());
        Assert.Equal((KlEstimator.K1, KlTokens.All, true), (defaults.Ppo.KlEstimator, defaults.Ppo.KlTokens, defaults.Ppo.DisableDropout));
        var config = TrainerConfigLoader.Parse(Minimal(), ["ppo.kl_estimator=full", "ppo.kl_tokens=entities", "ppo.disable_dropout=false"]);
        Assert.Equal((KlEstimator.Full, KlTokens.Entities, false), (config.Ppo.KlEstimator, config.Ppo.KlTokens, config.Ppo.DisableDropout));
        Assert.Equal(KlEstimator.K3, TrainerConfigLoader.Parse(Minimal(), ["ppo.kl_estimator=k3"]).Ppo.KlEstimator);
    }

    [Theory]
    [InlineData("ppo.clip_eps=0.1", "Unknown config key 'ppo.clip_eps'")]
    [InlineData("ppo.clip_epsilon=1.5", "ppo.clip_epsilon: must be in (0, 1)")]
    [InlineData("ppo.clip_epsilon=\"wide\"", "Config key 'ppo.clip_epsilon' has a value of the wrong type")]
    [InlineData("ppo.advantage_mode=critic", "ppo.advantage_mode: 'critic' is not token-reward, gae or return")]
    [InlineData("ppo.kl_estimator=k2", "ppo.kl_estimator: 'k2' is not k1, k3 or full")]
    [InlineData("ppo.kl_tokens=objects", "ppo.kl_tokens: 'objects' is not all or entities")]
    [InlineData("reward.mode=paragraph", "reward.mode: 'paragraph' is not token or sentence")]
    [InlineData("policy.device=gpu", "policy.device: 'gpu' is not cpu, cuda or cuda:N")]
    [InlineData("ppo.minibatch_size=64", "ppo.minibatch_size: must not exceed run.batch_size (8)")]
    [InlineData("lora.target_modules=[\"qkv\"]", "lora.target_modules: must be a non-empty subset")]
    [InlineData("reward.verifier_addresses=[]", "reward.verifier_addresses: required when reward.source = verifier")]
    [InlineData("run.steps=0", "run.steps: must be >= 1")]
    [InlineData("ppo=3", "Config key 'ppo' has a value of the wrong type")]
    public void Bad_values_fail_with_a_message_naming_the_key(string assignment, string expected)
    {
        var e = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Parse(Minimal(), [assignment]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var e = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Parse(new JsonObject()));
        Assert.Contains("policy.model: required", e.Message);
        Assert.Contains("run.output_dir: required", e.Message);
        Assert.Contains("reward.verifier_addresses", e.Message);
    }

    [Fact]
    public void The_cli_exits_2_with_the_key_for_a_bad_config_and_relative_paths_resolve_against_the_file()
    {
        var directory = TestDirectories.New("cli-config");
        var path = Path.Combine(directory, "bad.json");
        File.WriteAllText(path, """{ "policy": { "model": "policy" }, "run": { "output_dir": "out" }, "reward": { "source": "toy-token", "toy_piece": "▁a" }, "ppo": { "lambda": 2 } }""");
        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "train", "--config", path);
        Assert.Equal(2, code);
        Assert.Contains("ppo.lambda: must be in [0, 1]", text);

        File.WriteAllText(path, """{ "policy": { "model": "policy" }, "data": { "kind": "shapes" }, "run": { "output_dir": "out" }, "reward": { "source": "toy-token", "toy_piece": "▁a" } }""");
        var config = TrainerConfigLoader.Load(path);
        Assert.Equal(Path.Combine(directory, "policy"), config.Policy.Model);
        Assert.Equal(Path.Combine(directory, "out"), config.Run.OutputDir);
    }

    [Fact]
    public void Evaluate_with_an_adapter_folder_that_has_no_adapters_exits_2_with_the_path()
    {
        var empty = TestDirectories.New("no-adapters");
        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "evaluate-shapes", "--policy", TinyPolicy.Directory, "--adapters", empty, "--scenes", "1");
        Assert.Equal(2, code);
        Assert.Contains("adapter_config.json", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }
}
