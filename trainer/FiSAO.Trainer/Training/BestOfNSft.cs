using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Training;

/// <summary>One prompt of the best-of-n pool: the response with the largest summed token reward among n samples.</summary>
public sealed record BestOfNChoice(
    [property: JsonPropertyName("position")] long Position,
    [property: JsonPropertyName("sample")] int Sample,
    [property: JsonPropertyName("token_ids")] IReadOnlyList<int> TokenIds,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("reward")] double Reward,
    [property: JsonPropertyName("candidate_rewards")] IReadOnlyList<double> CandidateRewards);

/// <summary>What a best-of-n + SFT run did.</summary>
public sealed record BestOfNResult(int Prompts, int N, double MeanCandidateReward, double MeanSelectedReward, int Updates, double FinalLoss,
    double PoolSeconds, double SftSeconds, string OutputDirectory);

/// <summary>
/// Token-level rewards without PPO (our reading of Table 4's "fine-grained reward without PPO" row): for each prompt PPO
/// would see (run.steps x run.batch_size data positions, in the run seed's order), n responses sampled from the initial
/// policy as rollouts are, the one with the largest summed token reward sum_t r_t kept (the verifier's Eq. 8 rewards, as
/// PPO receives them), then a supervised fine-tune of fresh LoRA adapters (the PPO config's rank, targets, optimiser and
/// learning rate) on the kept responses: <c>ppo.ppo_epochs</c> epochs in minibatches of <c>ppo.minibatch_size</c>,
/// the same number of optimiser updates PPO makes at most. Writes the pool (<c>best-of-n.jsonl</c>, reused when present),
/// <c>sft.csv</c> and the final adapters.
/// </summary>
public static class BestOfNSft
{
    public const string PoolFileName = "best-of-n.jsonl";

    /// <summary>Index of the response with the largest summed reward (the first among equals).</summary>
    public static int SelectBest(IReadOnlyList<double> summedRewards)
    {
        if (summedRewards.Count == 0) throw new ArgumentException("No candidates to choose from.", nameof(summedRewards));
        var best = 0;
        for (var i = 1; i < summedRewards.Count; i++)
            if (summedRewards[i] > summedRewards[best]) best = i;
        return best;
    }

    /// <param name="pool">The pool file to read or write (default: the run folder's); several learning rates of one seed share it.</param>
    /// <param name="prompts">Prompts to sample for (default: run.steps x run.batch_size, the prompts PPO sees).</param>
    public static BestOfNResult Run(TrainerConfig config, int n, IRewardSource rewards, Action<string> log, string? pool = null, int? prompts = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var output = Directory.CreateDirectory(config.Run.OutputDir!).FullName;
        pool ??= Path.Combine(output, PoolFileName);
        if (config.Policy.Threads > 0) torch.set_num_threads(config.Policy.Threads);
        torch.random.manual_seed(config.Run.Seed);
        File.WriteAllText(Path.Combine(output, TrainingRun.ConfigCopyFileName), TrainerConfigLoader.Serialize(config));

        var lora = new LoraConfig
        {
            Rank = config.Lora.Rank, Alpha = config.Lora.Alpha, Dropout = config.Lora.Dropout, TargetModules = config.Lora.TargetModules, Seed = config.Run.Seed,
        };
        // Fresh adapters start at B = 0: the pool is sampled from the initial policy itself.
        using var policy = LlavaPolicy.Load(config.Policy.Model!, TorchTarget.Parse(config.Policy.DeviceList[0], config.Policy.DType), lora);
        var images = ClipImageProcessor.FromDirectory(config.Policy.Model!);
        var data = PromptSources.Create(config.Data);
        var order = new DataOrder(data.Count, config.Run.Seed, config.Data.Shuffle);
        var count = prompts ?? config.Run.Steps * config.Run.BatchSize;

        var watch = Stopwatch.StartNew();
        var choices = File.Exists(pool) ? ReadPool(pool) : null;
        if (choices is null || choices.Count != count || choices.Any(c => c.CandidateRewards.Count != n))
        {
            choices = Sample(config, n, policy, images, data, order, count, rewards, log);
            WritePool(pool, choices);
        }
        else log($"best-of-{n}: reusing {pool}");
        var poolSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var (updates, finalLoss) = FineTune(config, policy, images, data, order, choices, output, log);
        var final = Path.Combine(output, TrainingRun.FinalAdaptersFolder);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        policy.SaveAdapters(final, baseModelNameOrPath: config.Policy.AdapterBaseModel);
        return new BestOfNResult(count, n, choices.Average(c => c.CandidateRewards.Average()), choices.Average(c => c.Reward), updates, finalLoss,
            poolSeconds, watch.Elapsed.TotalSeconds, output);
    }

    private static List<BestOfNChoice> Sample(TrainerConfig config, int n, LlavaPolicy policy, ClipImageProcessor images, IPromptSource data, DataOrder order,
        int prompts, IRewardSource rewards, Action<string> log)
    {
        var g = config.Generation;
        var pad = policy.Tokenizer.PadId ?? policy.Model.Config.PadTokenId ?? policy.Tokenizer.EosId;
        var perChunk = Math.Max(1, config.Run.BatchSize);
        var choices = new List<BestOfNChoice>(prompts);
        policy.Model.eval();
        for (var start = 0; start < prompts; start += perChunk)
        {
            var count = Math.Min(perChunk, prompts - start);
            var positions = Enumerable.Range(start, count).Select(p => (long)p).ToList();
            var samples = positions.Select(p => data.Get(order.IndexAt(p))).ToList();
            // Row r = prompt r / n, sample r % n: each prompt's n samples in one generation batch.
            var rowSamples = samples.SelectMany(s => Enumerable.Repeat(s, n)).ToList();
            IReadOnlyList<GeneratedSequence> sequences;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)], policy.Model.Device))
                    .repeat_interleave(n, 0);
                var encoded = rowSamples.Select(s => policy.EncodePrompt(s.Prompt, config.Policy.ChatTemplate));
                sequences = policy.GenerateFromFeatures(PromptBatch.LeftPadded(encoded, pad), features, new GenerationOptions
                {
                    MaxNewTokens = g.MaxNewTokens,
                    Temperature = g.Temperature,
                    TopP = g.TopP,
                    TopK = g.TopK,
                    RowSeeds = [.. Enumerable.Range(0, count * n).Select(r => Seeds.Derive(config.Run.Seed, positions[r / n], r % n, 0xb0f8))],
                }).Sequences;
            }
            var scored = rewards.Score(rowSamples, sequences);
            for (var i = 0; i < count; i++)
            {
                var sums = Enumerable.Range(i * n, n).Select(r => (double)scored[r].TokenRewards.Sum()).ToList();
                var best = SelectBest(sums);
                var chosen = sequences[i * n + best];
                choices.Add(new BestOfNChoice(positions[i], order.IndexAt(positions[i]), chosen.TokenIds, chosen.Text, sums[best], sums));
            }
            if ((start / perChunk) % 25 == 0) log($"best-of-{n}: {choices.Count}/{prompts} prompts, mean reward {choices.Average(c => c.CandidateRewards.Average()):F3} per sample, {choices.Average(c => c.Reward):F3} selected");
        }
        return choices;
    }

    private static (int Updates, double FinalLoss) FineTune(TrainerConfig config, LlavaPolicy policy, ClipImageProcessor images, IPromptSource data,
        DataOrder order, IReadOnlyList<BestOfNChoice> choices, string output, Action<string> log)
    {
        var p = config.Ppo;
        var parameters = policy.TrainableParameters().ToList();
        using var optimizer = ScalarSafeAdamW.Create(parameters, p.LearningRate, p.AdamBeta1, p.AdamBeta2, p.AdamEpsilon, p.WeightDecay);
        var pad = policy.Tokenizer.PadId ?? policy.Model.Config.PadTokenId ?? policy.Tokenizer.EosId;
        using var csv = new StreamWriter(Path.Combine(output, "sft.csv"));
        csv.WriteLine("epoch,update,loss");
        var updates = 0;
        double loss = 0;
        policy.Model.train();
        try
        {
            for (var epoch = 0; epoch < p.PpoEpochs; epoch++)
            {
                var shuffled = Enumerable.Range(0, choices.Count).ToArray();
                new Random(Seeds.DeriveInt(config.Run.Seed, epoch, 0x5f7)).Shuffle(shuffled);
                for (var start = 0; start < shuffled.Length; start += p.MinibatchSize)
                {
                    using var scope = NewDisposeScope();
                    var rows = shuffled.Skip(start).Take(p.MinibatchSize).Select(i => choices[i]).ToList();
                    var samples = rows.Select(c => data.Get(c.Sample)).ToList();
                    Tensor features;
                    using (no_grad())
                        features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)], policy.Model.Device));
                    var prompts = PromptBatch.LeftPadded(samples.Select(s => policy.EncodePrompt(s.Prompt, config.Policy.ChatTemplate)), pad);
                    var sequences = rows.Select(c => new GeneratedSequence(c.TokenIds, null, new float[c.TokenIds.Count], FinishReason.Eos, c.Text)).ToList();
                    using var batch = PolicyBatch.From(new GenerationResult(prompts, sequences), policy.Model.Device);
                    // Teacher-forced cross-entropy of the kept responses: -mean over their tokens of log pi_theta(y_t).
                    var logProbs = policy.ResponseLogProbs(batch, features);
                    var objective = -(logProbs.sum() / batch.ResponseMask.sum().clamp_min(1));
                    optimizer.zero_grad();
                    objective.backward();
                    if (p.MaxGradNorm > 0) nn.utils.clip_grad_norm_(parameters, p.MaxGradNorm);
                    optimizer.step();
                    updates++;
                    loss = objective.item<float>();
                    csv.WriteLine(FormattableString.Invariant($"{epoch + 1},{updates},{loss:G6}"));
                }
                log($"best-of-n sft: epoch {epoch + 1}/{p.PpoEpochs}, {updates} updates, loss {loss:F4}");
            }
        }
        finally
        {
            policy.Model.eval();
        }
        return (updates, loss);
    }

    private static List<BestOfNChoice>? ReadPool(string file)
    {
        try
        {
            return [.. File.ReadLines(file).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<BestOfNChoice>(l)!)];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WritePool(string file, IReadOnlyList<BestOfNChoice> choices)
    {
        var temporary = file + ".tmp";
        File.WriteAllLines(temporary, choices.Select(c => JsonSerializer.Serialize(c)));
        File.Move(temporary, file, overwrite: true);
    }
}
