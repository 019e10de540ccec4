using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Training;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Policies;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Demo;

/// <summary>Sizes of the shapes demo (defaults: the documented run on 2 CPU cores).</summary>
public sealed record ShapesDemoOptions
{
    public required string OutputDirectory { get; init; }
    public required string DataDirectory { get; init; }

    /// <summary>A running verifier to use instead of starting one (its model folder must be readable here).</summary>
    public string? VerifierAddress { get; init; }
    public PolicySpec Policy { get; init; } = new() { HiddenSize = 128, IntermediateSize = 256, Layers = 2, Heads = 4, KeyValueHeads = 2, Seed = 5, VisionFeatureLayer = -2 };
    public WarmUpOptions WarmUp { get; init; } = new();
    public int EvaluationScenes { get; init; } = 200;
    public long EvaluationSeed { get; init; } = 4242;
    public int PpoSteps { get; init; } = 150;
    public bool SentenceAblation { get; init; } = true;
    public int Threads { get; init; } = 2;
}

/// <summary>
/// The shapes-world demo end to end: shapes CLIP (verifier + vision tower), policy folder, supervised warm-up that
/// teaches the policy to hallucinate about a quarter of the time, calibration of the verifier on captions with known
/// hallucinations, evaluation before, FiSAO PPO (token reward) against the verifier process, evaluation after, and the
/// Table 4 ablation (sentence-level reward on the same budget). Writes results.json and rewards.png.
/// </summary>
public static class ShapesDemo
{
    public static async Task<int> RunAsync(ShapesDemoOptions o, Action<string> log)
    {
        var total = Stopwatch.StartNew();
        TorchSharp.torch.set_num_threads(o.Threads);
        var output = Directory.CreateDirectory(o.OutputDirectory).FullName;
        var data = Directory.CreateDirectory(o.DataDirectory).FullName;
        var times = new Dictionary<string, double>();
        var watch = Stopwatch.StartNew();
        void Lap(string name) { times[name] = Math.Round(watch.Elapsed.TotalSeconds, 1); watch.Restart(); }

        // The verifier's embedded default: the shapes-world CLIP with its entity list and calibration, built into the data
        // directory on the first start. Its CLIP folder is also the policy's vision tower (the paper: the policy's own CLIP
        // is the verifier).
        using var child = o.VerifierAddress is null
            ? await VerifierHost.StartDefaultAsync(Directory.CreateDirectory(Path.Combine(data, "verifier")).FullName, log)
            : null;
        var verifierAddress = o.VerifierAddress ?? child!.Address;
        var clip = await VerifierHost.ModelPathAsync(verifierAddress);
        log($"verifier: {verifierAddress}, serving {clip}");
        Lap("verifier");

        var basePolicy = Path.Combine(output, "policy-base");
        var warm = Path.Combine(output, "policy-warm");
        if (!File.Exists(Path.Combine(warm, "model.safetensors")))
        {
            ShapesPolicy.WriteBase(basePolicy, clip, o.Policy);
            ShapesPolicy.WarmUp(basePolicy, warm, o.WarmUp, log);
        }
        else log($"warm-up: reusing {warm}");
        Lap("warm_up");

        var rewardSettings = new RewardSettings { VerifierAddresses = [verifierAddress] };
        using var scorer = new VerifierReward(rewardSettings);

        var before = ShapesEvaluation.Run(warm, null, o.EvaluationSeed, o.EvaluationScenes, scorer);
        log($"before: CHAIR_s {before.ChairS:P1}, CHAIR_i {before.ChairI:P1}, recall {before.Recall:P1} ({before.Mentions} mentions)");
        Lap("evaluate_before");

        var token = Train(o, warm, verifierAddress, "token", log);
        var after = ShapesEvaluation.Run(warm, Path.Combine(token, TrainingRun.FinalAdaptersFolder), o.EvaluationSeed, o.EvaluationScenes, scorer);
        Lap("ppo_token");

        ShapesEvaluationResult? sentence = null;
        if (o.SentenceAblation)
        {
            var sentenceRun = Train(o, warm, verifierAddress, "sentence", log);
            sentence = ShapesEvaluation.Run(warm, Path.Combine(sentenceRun, TrainingRun.FinalAdaptersFolder), o.EvaluationSeed, o.EvaluationScenes, scorer);
            Lap("ppo_sentence");
        }

        RewardHistogramPng.Write(Path.Combine(output, "rewards.png"), before.MentionRewards, after.MentionRewards);
        times["total"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        double Relative(double b, double a) => b == 0 ? 0 : (a - b) / b;
        var results = new
        {
            scenes = o.EvaluationScenes,
            evaluation_seed = o.EvaluationSeed,
            ppo_steps = o.PpoSteps,
            before = Summary(before),
            after_token_reward = Summary(after),
            after_sentence_reward = sentence is null ? null : Summary(sentence),
            chair_i_relative_change = Math.Round(Relative(before.ChairI, after.ChairI), 4),
            recall_relative_change = Math.Round(Relative(before.Recall, after.Recall), 4),
            mean_mention_reward_before = before.MentionRewards.Count == 0 ? 0 : before.MentionRewards.Average(),
            mean_mention_reward_after = after.MentionRewards.Count == 0 ? 0 : after.MentionRewards.Average(),
            examples_before = before.Examples,
            examples_after = after.Examples,
            seconds = times,
            threads = o.Threads,
        };
        var json = Path.Combine(output, "results.json");
        File.WriteAllText(json, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        log($"results: {json}, reward distribution: {Path.Combine(output, "rewards.png")}");
        log($"time: {string.Join(", ", times.Select(t => $"{t.Key} {t.Value:F0} s"))}");
        log($"                 CHAIR_s  CHAIR_i  recall");
        log($"before (warm-up) {before.ChairS,7:P1}  {before.ChairI,7:P1}  {before.Recall,6:P1}");
        log($"FiSAO token      {after.ChairS,7:P1}  {after.ChairI,7:P1}  {after.Recall,6:P1}");
        if (sentence is not null) log($"sentence reward  {sentence.ChairS,7:P1}  {sentence.ChairI,7:P1}  {sentence.Recall,6:P1}");
        log($"CHAIR_i {Relative(before.ChairI, after.ChairI):+0.0%;-0.0%} relative, recall {Relative(before.Recall, after.Recall):+0.0%;-0.0%} relative");
        return 0;
    }

    private static object Summary(ShapesEvaluationResult r) => new
    {
        chair_s = Math.Round(r.ChairS, 4), chair_i = Math.Round(r.ChairI, 4), recall = Math.Round(r.Recall, 4), mentions = r.Mentions,
        hallucinated_mentions = r.HallucinatedMentions, mean_length_tokens = Math.Round(r.MeanLength, 2),
        mean_mention_reward = r.MentionRewards.Count == 0 ? 0 : Math.Round(r.MentionRewards.Average(), 4), seconds = Math.Round(r.Seconds, 1),
    };

    private static string Train(ShapesDemoOptions o, string warm, string verifier, string mode, Action<string> log)
    {
        var run = Path.Combine(o.OutputDirectory, $"ppo-{mode}");
        if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
        var config = new TrainerConfig
        {
            Policy = new PolicySettings { Model = warm, Threads = o.Threads },
            Lora = new LoraSettings { Rank = 8, Alpha = 16, Dropout = 0.0, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
            Data = new DataSettings { Kind = "shapes", ShapesSeed = 777, ShapesScenes = 4000, Prompt = ShapesPolicy.Prompt },
            Reward = new RewardSettings { VerifierAddresses = [verifier], Mode = mode },
            Generation = new GenerationSettings { MaxNewTokens = 40 },
            Ppo = new PpoSettings { Xi = 0.1, PpoEpochs = 4, MinibatchSize = 8, LearningRate = 1e-3, EarlyStopKl = 0.05 },
            Run = new RunSettings { Steps = o.PpoSteps, BatchSize = 16, Seed = 3, CheckpointInterval = 20, OutputDir = run },
        };
        TrainerConfigLoader.Validate(config);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(run).FullName, "demo-config.json"), TrainerConfigLoader.Serialize(config));
        var result = TrainingRun.Run(config, resume: false, new SyncProgress(m =>
        {
            if (m.Step % 5 == 0 || m.Step == 1) log($"ppo-{mode} " + Commands.TrainerCli.StepLine(m, o.PpoSteps));
        }));
        return result.OutputDirectory;
    }

    private sealed class SyncProgress(Action<Metrics.StepMetrics> report) : IProgress<Metrics.StepMetrics>
    {
        public void Report(Metrics.StepMetrics value) => report(value);
    }
}
