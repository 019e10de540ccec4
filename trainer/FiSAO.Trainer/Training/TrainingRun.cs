using FiSAO.Models.Imaging;
using FiSAO.Models.Llama;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Checkpoints;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using TorchSharp;

namespace FiSAO.Trainer.Training;

/// <summary>What a finished (or resumed and finished) run did.</summary>
public sealed record TrainingRunResult(int FirstStep, int StepsDone, string OutputDirectory, string? ResumedFrom, IReadOnlyList<StepMetrics> Steps);

/// <summary>
/// A whole <c>train</c> command: builds the policy (fresh LoRA adapters, or those of the latest checkpoint with
/// <c>--resume</c>), the data and the reward source, runs the remaining steps, writes metrics per step and a checkpoint
/// every <c>run.checkpoint_interval</c> steps and after the last, then the final adapters to <c>output_dir/adapters</c>.
/// </summary>
public static class TrainingRun
{
    public const string FinalAdaptersFolder = "adapters";
    public const string ConfigCopyFileName = "config.json";

    public static TrainingRunResult Run(TrainerConfig config, bool resume, IProgress<StepMetrics>? progress = null,
        Func<TrainerConfig, IRewardSource>? rewardFactory = null, CancellationToken cancellationToken = default)
    {
        var output = Directory.CreateDirectory(config.Run.OutputDir!).FullName;
        if (config.Policy.Threads > 0) torch.set_num_threads(config.Policy.Threads);
        torch.random.manual_seed(config.Run.Seed);

        var checkpoint = resume ? TrainerCheckpoint.FindLatest(output) : null;
        if (!resume && TrainerCheckpoint.FindLatest(output) is { } existing)
            throw new TrainerConfigException($"run.output_dir '{output}' already holds checkpoint '{existing}': pass --resume to continue it, or choose another output_dir.");
        File.WriteAllText(Path.Combine(output, ConfigCopyFileName), TrainerConfigLoader.Serialize(config));

        var target = TorchTarget.Parse(config.Policy.DeviceList[0], config.Policy.DType);
        var attention = config.Policy.Attention == AttentionKind.Eager ? LlamaAttentionImplementation.Eager : LlamaAttentionImplementation.Sdpa;
        var lora = new LoraConfig
        {
            Rank = config.Lora.Rank, Alpha = config.Lora.Alpha, Dropout = config.Lora.Dropout, TargetModules = config.Lora.TargetModules,
            Seed = config.Run.Seed,
        };
        LlavaPolicy Load(TorchTarget device) => checkpoint is null
            ? LlavaPolicy.Load(config.Policy.Model!, device, lora, attention: attention)
            : LlavaPolicy.Load(config.Policy.Model!, device, adapterDirectory: Path.Combine(checkpoint, TrainerCheckpoint.AdaptersFolder), attention: attention);
        using var policy = Load(target);
        var images = ClipImageProcessor.FromDirectory(config.Policy.Model!);
        var data = PromptSources.Create(config.Data);
        using var rewards = (rewardFactory ?? CreateRewardSource)(config);
        // policy.devices: a replica on each further device, owned by the trainer.
        using var trainer = new FiSAOTrainer(config, policy, images, data, rewards, PolicyReplicas.LoadOthers(config, Load));

        if (checkpoint is not null)
        {
            var state = TrainerCheckpoint.ReadState(checkpoint);
            if (state.Seed != config.Run.Seed || state.AdvantageMode != config.Ppo.AdvantageMode)
                throw new TrainerConfigException($"--resume: checkpoint '{checkpoint}' was made with run.seed {state.Seed} and ppo.advantage_mode {state.AdvantageMode.Name()}; the config says {config.Run.Seed} and {config.Ppo.AdvantageMode.Name()}.");
            trainer.ReadState(checkpoint, state);
            if (rewards is SentenceReward sentence) sentence.Statistics = (state.SentenceMean, state.SentenceVariance, state.SentenceCount);
            // The metrics so far are the checkpoint's: rows a killed run logged after it are computed again.
            File.Copy(Path.Combine(checkpoint, TrainerCheckpoint.MetricsFileName), Path.Combine(output, MetricsLog.CsvFileName), overwrite: true);
        }
        else
        {
            File.Delete(Path.Combine(output, MetricsLog.CsvFileName));
        }

        var first = trainer.StepsDone + 1;
        var steps = new List<StepMetrics>();
        using (var log = new MetricsLog(output, config.Run.TensorBoard))
        {
            while (trainer.StepsDone < config.Run.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var metrics = trainer.Step();
                log.Write(metrics);
                steps.Add(metrics);
                progress?.Report(metrics);
                var interval = config.Run.CheckpointInterval;
                if ((interval > 0 && trainer.StepsDone % interval == 0) || trainer.StepsDone == config.Run.Steps)
                    SaveCheckpoint(output, config, trainer, rewards);
            }
        }
        var final = Path.Combine(output, FinalAdaptersFolder);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        policy.SaveAdapters(final, baseModelNameOrPath: config.Policy.AdapterBaseModel);
        return new TrainingRunResult(first, trainer.StepsDone, output, checkpoint, steps);
    }

    public static IRewardSource CreateRewardSource(TrainerConfig config) => (config.Reward.Source, config.Reward.Mode) switch
    {
        (RewardSourceKind.ToyToken, _) => new ToyTokenReward(config.Reward.ToyPiece!, config.Reward.ToyValue),
        (_, RewardMode.Sentence) => new SentenceReward(new VerifierReward(config.Reward), config.Reward.SentenceMomentum),
        _ => new VerifierReward(config.Reward),
    };

    private static void SaveCheckpoint(string output, TrainerConfig config, FiSAOTrainer trainer, IRewardSource rewards)
    {
        var sentence = rewards is SentenceReward s ? s.Statistics : (0, 1, 0);
        var state = new CheckpointState
        {
            StepsDone = trainer.StepsDone,
            DataPosition = trainer.DataPositionOfNextStep,
            Seed = config.Run.Seed,
            AdvantageMode = config.Ppo.AdvantageMode,
            SentenceMean = sentence.Item1,
            SentenceVariance = sentence.Item2,
            SentenceCount = sentence.Item3,
            CreatedUtc = DateTime.UtcNow,
        };
        TrainerCheckpoint.Save(output, state, directory =>
        {
            trainer.WriteState(directory);
            File.Copy(Path.Combine(output, MetricsLog.CsvFileName), Path.Combine(directory, TrainerCheckpoint.MetricsFileName));
        }, config.Run.KeepCheckpoints);
    }
}
