using FiSAO.Trainer.Configuration;

namespace FiSAO.Trainer.Tests.Support;

public static class TestConfigs
{
    /// <summary>The tiny policy on shapes scenes, toy reward +1 for "▁dog", CPU, one libtorch thread.</summary>
    public static TrainerConfig Toy(string outputDirectory, int steps = 6, AdvantageMode advantageMode = AdvantageMode.TokenReward) => new()
    {
        Policy = new PolicySettings { Model = TinyPolicy.Directory, Threads = 1 },
        Lora = new LoraSettings { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
        Data = new DataSettings { Kind = "shapes", ShapesScenes = 16, ShapesSeed = 5 },
        Reward = new RewardSettings { Source = RewardSourceKind.ToyToken, ToyPiece = "▁dog", ToyValue = 1 },
        Generation = new GenerationSettings { MaxNewTokens = 8 },
        Ppo = new PpoSettings { Xi = 0.01, PpoEpochs = 2, MinibatchSize = 4, LearningRate = 1e-2, EarlyStopKl = 0, AdvantageMode = advantageMode },
        Run = new RunSettings { Steps = steps, BatchSize = 8, Seed = 11, CheckpointInterval = 2, OutputDir = outputDirectory },
    };
}
