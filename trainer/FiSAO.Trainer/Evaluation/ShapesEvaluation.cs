using System.Text.Json.Serialization;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Rewards.Chair;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using TorchSharp;

namespace FiSAO.Trainer.Evaluation;

/// <summary>CHAIR and recall of one policy on held-out scenes, plus the verifier's rewards of its object mentions.</summary>
public sealed record ShapesEvaluationResult
{
    [JsonPropertyName("scenes")] public int Scenes { get; init; }

    /// <summary>0: greedy decoding.</summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; }
    [JsonPropertyName("chair_s")] public double ChairS { get; init; }
    [JsonPropertyName("chair_i")] public double ChairI { get; init; }

    /// <summary>CHAIR_i with each object counted once per caption: repeating a correct object does not dilute it.</summary>
    [JsonPropertyName("chair_i_distinct")] public double ChairIDistinct { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }
    [JsonPropertyName("mentions")] public int Mentions { get; init; }
    [JsonPropertyName("hallucinated_mentions")] public int HallucinatedMentions { get; init; }
    [JsonPropertyName("mean_length_tokens")] public double MeanLength { get; init; }

    /// <summary>Per object: captions that name it although it is not in the image.</summary>
    [JsonPropertyName("hallucinated_objects")] public IReadOnlyDictionary<string, int> HallucinatedObjects { get; init; } = new Dictionary<string, int>();

    /// <summary>Hallucinated objects that are the co-occurrence companion of an object in the image (a star with a moon;
    /// <see cref="Demo.CoOccurrencePrior"/>), counted once per caption: the part of CHAIR the co-occurrence habit explains.</summary>
    [JsonPropertyName("co_occurrence_hallucinations")] public int CoOccurrenceHallucinations { get; init; }
    [JsonPropertyName("mention_rewards")] public IReadOnlyList<float> MentionRewards { get; init; } = [];
    [JsonPropertyName("examples")] public IReadOnlyList<string> Examples { get; init; } = [];
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
}

/// <summary>
/// Captions for held-out shapes scenes (a seed the warm-up and PPO never see), judged against the scenes' ground
/// truth with the project's CHAIR implementation over the world's entity set (every entity, all surface forms; the strict
/// COCO subset of CHAIR has no shapes-world objects): CHAIR_s = captions with a hallucinated
/// object / captions, CHAIR_i = hallucinated mentions / mentions, recall = ground-truth objects mentioned / ground-truth
/// objects (CHAIR_i counts every occurrence, as the reference CHAIR does; <c>chair_i_distinct</c> counts each object once
/// per caption, so a policy that repeats a correct object cannot lower it). Greedy decoding by default; with a temperature,
/// sampling seeded per scene. With a verifier, every mention's token reward is collected too (the paper's Figure 4).
/// </summary>
public static class ShapesEvaluation
{
    public static ShapesEvaluationResult Run(string policyDirectory, string? adapters, long seed, int scenes, VerifierReward? verifier,
        int maxNewTokens = 40, string prompt = "Describe this image.", int batchSize = 25, double temperature = 0)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var policy = LlavaPolicy.Load(policyDirectory, TorchTarget.Cpu(), adapterDirectory: adapters);
        var source = new ShapesPromptSource(seed, scenes, prompt);
        var chair = new ChairEvaluator(ShapesVocabulary.EntitySet, ChairMatching.Extended, ChairVocabulary.AllEntities);
        var total = ChairScores.Empty;
        var rewards = new List<float>();
        var examples = new List<string>();
        long tokens = 0, distinctMentioned = 0, distinctHallucinated = 0;
        var byObject = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var coOccurrence = 0;
        // Greedy (temperature 0), or sampled with a seed per scene so before and after see the same uniforms.
        GenerationOptions Options(int start, int count) => temperature <= 0
            ? GenerationOptions.Greedy(maxNewTokens)
            : new GenerationOptions
            {
                MaxNewTokens = maxNewTokens,
                Temperature = temperature,
                RowSeeds = [.. Enumerable.Range(start, count).Select(i => Training.Seeds.Derive(seed, i, 0xe7a1))],
            };
        foreach (var (samples, sequences) in Generate(policy, policyDirectory, source, Options, batchSize))
        {
            for (var i = 0; i < samples.Count; i++)
            {
                var text = sequences[i].Text ?? "";
                var caption = chair.EvaluateCaption(text, samples[i].Objects!);
                total = total.Add(ChairEvaluator.Score([caption]));
                distinctHallucinated += caption.HallucinatedObjects.Count;
                foreach (var o in caption.HallucinatedObjects)
                {
                    byObject[o] = byObject.GetValueOrDefault(o) + 1;
                    if (Demo.CoOccurrencePrior.Explains(o, samples[i].Objects!)) coOccurrence++;
                }
                distinctMentioned += caption.HallucinatedObjects.Count + caption.RecalledObjects.Count;
                tokens += sequences[i].TokenIds.Count;
                if (examples.Count < 6) examples.Add($"[{string.Join(", ", samples[i].Objects!)}] {text.Trim()}");
            }
            if (verifier is not null)
                foreach (var scored in verifier.Score(samples, sequences))
                    rewards.AddRange(scored.Mentions.Select(m => m.Reward));
        }
        return new ShapesEvaluationResult
        {
            Scenes = scenes,
            Temperature = temperature,
            ChairS = total.ChairS,
            ChairI = total.ChairI,
            ChairIDistinct = distinctMentioned == 0 ? 0 : (double)distinctHallucinated / distinctMentioned,
            Recall = total.Recall,
            Mentions = total.Mentions,
            HallucinatedMentions = total.HallucinatedMentions,
            MeanLength = (double)tokens / scenes,
            HallucinatedObjects = byObject,
            CoOccurrenceHallucinations = coOccurrence,
            MentionRewards = rewards,
            Examples = examples,
            Seconds = watch.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// Responses of <paramref name="policy"/> to every sample of <paramref name="source"/>, a batch at a time (left-padded
    /// prompts; <paramref name="options"/> gets the batch's first index and size, so sampled rows can be seeded by position).
    /// </summary>
    public static IEnumerable<(List<PromptSample> Samples, IReadOnlyList<GeneratedSequence> Sequences)> Generate(LlavaPolicy policy,
        string policyDirectory, IPromptSource source, Func<int, int, GenerationOptions> options, int batchSize = 25)
    {
        var images = ClipImageProcessor.FromDirectory(policyDirectory);
        for (var start = 0; start < source.Count; start += batchSize)
        {
            var samples = Enumerable.Range(start, Math.Min(batchSize, source.Count - start)).Select(source.Get).ToList();
            GenerationResult result;
            using (var scope = torch.NewDisposeScope())
            {
                var features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)]));
                var prompts = PromptBatch.LeftPadded(samples.Select(s => policy.EncodePrompt(s.Prompt)), policy.Tokenizer.PadId!.Value);
                result = policy.GenerateFromFeatures(prompts, features, options(start, samples.Count));
            }
            yield return (samples, result.Sequences);
        }
    }
}
