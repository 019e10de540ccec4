using System.Text.Json.Nodes;
using FiSAO.Models.Lora;
using FiSAO.Trainer.Checkpoints;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Tests;

public sealed class AdapterOutputTests
{
    private static string? BaseModelOf(string adapters) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(adapters, PeftAdapter.ConfigFileName)))!["base_model_name_or_path"]?.GetValue<string>();

    [Fact]
    public void Saved_adapters_name_the_configured_base_model_or_else_the_model_folder()
    {
        var named = TestDirectories.New("adapters-hub-id");
        var config = TestConfigs.Toy(named, steps: 1);
        config = config with { Policy = config.Policy with { BaseModelNameOrPath = "llava-hf/llava-1.5-7b-hf" }, Run = config.Run with { BatchSize = 4 } };
        TrainingRun.Run(config, resume: false);
        Assert.Equal("llava-hf/llava-1.5-7b-hf", BaseModelOf(Path.Combine(named, TrainingRun.FinalAdaptersFolder)));
        Assert.Equal("llava-hf/llava-1.5-7b-hf", BaseModelOf(Path.Combine(TrainerCheckpoint.FindLatest(named)!, TrainerCheckpoint.AdaptersFolder)));
        Assert.Single(Directory.GetFiles(Path.Combine(named, "tensorboard"), "events.out.tfevents.*"));

        var unnamed = TestDirectories.New("adapters-folder");
        config = TestConfigs.Toy(unnamed, steps: 1);
        TrainingRun.Run(config with { Run = config.Run with { BatchSize = 4 } }, resume: false);
        Assert.Equal(TinyPolicy.Directory, BaseModelOf(Path.Combine(unnamed, TrainingRun.FinalAdaptersFolder)));
    }
}
