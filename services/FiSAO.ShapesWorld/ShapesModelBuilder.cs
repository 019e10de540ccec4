using System.Diagnostics;
using System.Text.Json;
using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Evaluation;
using FiSAO.ShapesWorld.Text;
using FiSAO.ShapesWorld.Training;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld;

/// <summary>What <see cref="ShapesModelBuilder.Build"/> did.</summary>
public sealed record ShapesModelBuildResult(string Directory, ClipConfig Config, long Parameters, TimeSpan GenerationTime,
    TimeSpan TrainingTime, TimeSpan TotalTime, IReadOnlyList<TrainingProgress> Epochs, SeparationReport? Separation);

/// <summary>
/// Builds the shapes CLIP folder end to end: the world's tokenizer, training, and an HF CLIP folder the verifier loads
/// (<c>config.json, model.safetensors, vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json,
/// preprocessor_config.json</c>) plus the world's <c>entities.txt</c> and a <c>training.json</c> summary.
/// </summary>
public static class ShapesModelBuilder
{
    public const string SummaryFileName = "training.json";

    /// <param name="evaluationScenes">Held-out scenes for the separation check (seed + 1_000_003); 0 skips it.</param>
    public static ShapesModelBuildResult Build(string directory, TrainingOptions options, int evaluationScenes = 400,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var total = Stopwatch.StartNew();
        WorldTokenizer.Save(directory);
        var tokenizer = ClipTokenizer.FromDirectory(directory);
        using var model = ShapesClipTrainer.CreateModel(tokenizer, options);
        long parameters = model.parameters().Sum(p => p.numel());
        log?.Invoke($"Shapes CLIP: {parameters:N0} parameters, vocabulary {tokenizer.VocabularySize}, {options.TrainScenes} scenes x {options.Epochs} epochs");

        if (options.Threads > 0) TorchSharp.torch.set_num_threads(options.Threads);
        log?.Invoke($"Generating {options.TrainScenes} training scenes (seed {options.Seed})...");
        var watch = Stopwatch.StartNew();
        using var scenes = TrainingSet.Generate(new Scenes.SceneGenerator(options.Seed, options.Scenes), options.TrainScenes, tokenizer,
            model.Config.VisionConfig.PatchSize, options.PatchMinCoverage);
        var generation = watch.Elapsed;
        log?.Invoke($"Generated {scenes.Count} training scenes in {generation.TotalSeconds:F1} s");

        watch.Restart();
        var trainer = new ShapesClipTrainer(model, tokenizer, options);
        var epochs = trainer.Train(scenes, progress, cancellationToken);
        var training = watch.Elapsed;

        SaveModel(model, directory, options.Scenes.ImageSize);

        SeparationReport? separation = null;
        if (evaluationScenes > 0)
            separation = SeparationCheck.Run(model, tokenizer, EvaluationSeed(options.Seed), evaluationScenes, options.Scenes);
        var result = new ShapesModelBuildResult(Path.GetFullPath(directory), model.Config, parameters, generation, training,
            total.Elapsed, epochs, separation);
        WriteSummary(Path.Combine(directory, SummaryFileName), options, result);
        return result;
    }

    /// <summary>
    /// Saves a trained shapes CLIP as an HF CLIP folder (config.json, model.safetensors, preprocessor_config.json) plus
    /// the world's entities.txt. The tokenizer files must already be there (<see cref="WorldTokenizer.Save"/>).
    /// </summary>
    public static void SaveModel(ClipModel model, string directory, int imageSize)
    {
        ClipCheckpointWriter.Save(model, directory, ShapesClipConfig.Preprocessing(imageSize));
        ShapesVocabulary.WriteEntityList(Path.Combine(directory, ShapesVocabulary.EntityFileName));
    }

    /// <summary>The held-out seed used for a training seed's separation check.</summary>
    public static long EvaluationSeed(long trainingSeed) => trainingSeed + 1_000_003;

    private static void WriteSummary(string path, TrainingOptions options, ShapesModelBuildResult r)
    {
        var summary = new
        {
            options = new
            {
                seed = options.Seed, size = options.Size.ToString(), train_scenes = options.TrainScenes, epochs = options.Epochs,
                batch_size = options.BatchSize, learning_rate = options.LearningRate, weight_decay = options.WeightDecay,
                caption_loss_weight = options.CaptionLossWeight, word_loss_weight = options.WordLossWeight,
                word_sigmoid_weight = options.WordSigmoidWeight, patch_loss_weight = options.PatchLossWeight,
                word_separation_weight = options.WordSeparationWeight, flip_augmentation = options.FlipAugmentation,
                image_size = options.Scenes.ImageSize,
            },
            parameters = r.Parameters,
            threads = TorchSharp.torch.get_num_threads(),
            generation_seconds = Math.Round(r.GenerationTime.TotalSeconds, 2),
            training_seconds = Math.Round(r.TrainingTime.TotalSeconds, 2),
            total_seconds = Math.Round(r.TotalTime.TotalSeconds, 2),
            epochs = r.Epochs.Select(e => new
            {
                epoch = e.Epoch, loss = Math.Round(e.Loss, 4), caption_accuracy = Math.Round(e.CaptionAccuracy, 4),
                word_accuracy = Math.Round(e.WordAccuracy, 4), patch_accuracy = Math.Round(e.PatchAccuracy, 4),
                caption_loss = Math.Round(e.CaptionLoss, 4), word_loss = Math.Round(e.WordLoss, 4), patch_loss = Math.Round(e.PatchLoss, 4),
                logit_scale_exp = Math.Round(e.LogitScale, 3),
                elapsed_seconds = Math.Round(e.Elapsed.TotalSeconds, 2),
            }),
            separation = r.Separation is { } s
                ? new
                {
                    seed = EvaluationSeed(options.Seed), scenes = s.Scenes, correct_mentions = s.CorrectMentions,
                    hallucinated_mentions = s.HallucinatedMentions, token_auroc = Math.Round(s.TokenAuroc, 4),
                    sentence_auroc = Math.Round(s.SentenceAuroc, 4), mean_s_correct = Math.Round(s.MeanCorrect, 3),
                    mean_s_hallucinated = Math.Round(s.MeanHallucinated, 3), word_top1 = Math.Round(s.WordTop1, 4),
                    word_presence_auroc = Math.Round(s.WordPresenceAuroc, 4),
                }
                : null,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
