using System.Diagnostics;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Checkpoints;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Training;

/// <summary>
/// FiSAO PPO, Algorithm 1, one step at a time: sample (prompt, image) pairs, generate responses with pi_theta, score
/// every token with the reward source (the verifier), form R_t = r_t - xi KL(pi_theta, pi_ref)_t with pi_ref = the
/// same model with its LoRA adapters off, then e epochs of minibatch updates on the clipped objective (Eq. 9-10) with
/// AdamW, gradient clipping and an early stop on the approximate KL. Advantages: A_t = R_t (the paper), its return-to-go,
/// or GAE with a value head. Every random choice of step s derives from (seed, s), and the torch RNG state is
/// checkpointed, so a resumed run repeats the uninterrupted one. With several devices (<c>policy.devices</c>) every step runs data parallel
/// over a replica per device (<see cref="PolicyReplicas"/>): rollouts, pi_ref and V_old by shares of rows, the update's
/// gradients summed on the first device; the numbers are the one-device run's up to float summation order.
/// </summary>
public sealed class FiSAOTrainer : IDisposable
{
    private readonly TrainerConfig _config;
    private readonly LlavaPolicy _policy;
    private readonly ClipImageProcessor _images;
    private readonly IPromptSource _data;
    private readonly IRewardSource _rewards;
    private readonly DataOrder _order;
    private readonly ValueHead? _valueHead;
    private readonly List<Parameter> _parameters;
    private readonly OptimizerHelper _optimizer;
    private readonly PolicyReplicas _replicas;
    private readonly Device _device;
    private readonly int _padId;

    /// <param name="policy">The policy on the first device: the one the optimiser steps and checkpoints save.</param>
    /// <param name="replicas">The policy loaded on each further device of <c>policy.devices</c> (owned by the trainer from now on).</param>
    public FiSAOTrainer(TrainerConfig config, LlavaPolicy policy, ClipImageProcessor images, IPromptSource data, IRewardSource rewards,
        IReadOnlyList<LlavaPolicy>? replicas = null)
    {
        _config = config;
        _policy = policy;
        _images = images;
        _data = data;
        _rewards = rewards;
        _device = policy.Model.Device;
        _padId = policy.Tokenizer.PadId ?? policy.Model.Config.PadTokenId ?? policy.Tokenizer.EosId;
        _order = new DataOrder(data.Count, config.Run.Seed, config.Data.Shuffle);
        _parameters = [.. policy.TrainableParameters()];
        if (config.Ppo.IsGae)
        {
            _valueHead = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, _device);
            _parameters.AddRange(_valueHead.parameters());
        }
        var p = config.Ppo;
        _optimizer = ScalarSafeAdamW.Create(_parameters, p.LearningRate, p.AdamBeta1, p.AdamBeta2, p.AdamEpsilon, p.WeightDecay);
        _replicas = new PolicyReplicas(policy, _valueHead, replicas ?? [], config.Policy.Threads);
    }

    /// <summary>Steps done so far (the next step is StepsDone + 1).</summary>
    public int StepsDone { get; private set; }

    public ValueHead? ValueHead => _valueHead;

    public LlavaPolicy Policy => _policy;

    /// <summary>Runs step StepsDone + 1.</summary>
    public StepMetrics Step()
    {
        var watch = Stopwatch.StartNew();
        var step = StepsDone;
        var b = _config.Run.BatchSize;
        using var scope = NewDisposeScope();

        // 1. Queries: (prompt, image) pairs at this step's data position.
        var samples = _order.IndicesOfStep(step, b).Select(_data.Get).ToList();
        var pixels = _images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)], _device);
        var features = _policy.ImageFeatures(pixels);
        var encoded = samples.Select(s => _policy.EncodePrompt(s.Prompt, _config.Policy.ChatTemplate)).ToList();

        // 2-3. Rollouts with pi_theta, in chunks of generation.chunk_size over the devices' replicas; each chunk goes to the
        // verifier (token rewards r_t, batch-wise, resilient) while later ones generate, in row order (RolloutGeneration).
        // LogProbs are log pi_old(y_t) at temperature 1 (LlavaGenerator's definition); seeds follow the rollout's index in
        // the step, not its chunk or device.
        var generateWatch = Stopwatch.StartNew();
        var (sequences, scoring) = RolloutGeneration.Run(_replicas, _config, step, samples, encoded, features, _padId, _rewards);
        var generateSeconds = generateWatch.Elapsed.TotalSeconds;

        var verifierWatch = Stopwatch.StartNew();
        var scored = scoring.SelectMany(t => t.GetAwaiter().GetResult()).ToList();
        var verifierSeconds = verifierWatch.Elapsed.TotalSeconds;

        // 4-5. The rollout: pi_ref, R_t = r_t - xi (log pi_theta - log pi_ref), advantages.
        var referenceWatch = Stopwatch.StartNew();
        var prompts = PromptBatch.LeftPadded(encoded, _padId);
        using var rollout = MakeRollout(PolicyBatch.From(new GenerationResult(prompts, sequences), _device), features, scored);
        var referenceSeconds = referenceWatch.Elapsed.TotalSeconds;

        // 6. e PPO epochs over shuffled minibatches of responses.
        var updateWatch = Stopwatch.StartNew();
        var stats = Optimise(step, rollout);
        var updateSeconds = updateWatch.Elapsed.TotalSeconds;

        StepsDone++;
        var mask = rollout.ResponseMask;
        var responses = (double)b;
        return new StepMetrics
        {
            Step = StepsDone,
            DataPosition = _order.PositionOfStep(step, b),
            RewardMean = rollout.TokenRewards.sum().item<float>() / responses,
            Kl = ((rollout.OldLogProbs - rollout.RefLogProbs) * mask).sum().item<float>() / responses,
            TotalRewardMean = rollout.Rewards.sum().item<float>() / responses,
            PolicyLoss = stats.PolicyLoss,
            ValueLoss = stats.ValueLoss,
            ClipFraction = stats.ClipFraction,
            Entropy = stats.Entropy,
            ApproxKl = stats.ApproxKl,
            Updates = stats.Updates,
            EarlyStopped = stats.EarlyStopped,
            Mentions = scored.Sum(s => s.Mentions.Count),
            Hallucinated = scored.Sum(s => s.Hallucinated),
            ResponseLength = mask.sum().item<float>() / responses,
            Seconds = watch.Elapsed.TotalSeconds,
            GenerateSeconds = generateSeconds,
            VerifierWaitSeconds = verifierSeconds,
            ReferenceSeconds = referenceSeconds,
            UpdateSeconds = updateSeconds,
        };
    }

    /// <summary>
    /// Steps 4-5 of Algorithm 1 on the scored responses: log pi_old and log pi_ref (adapters off), R_t = r_t - xi KL_t
    /// (ppo.kl_estimator, on ppo.kl_tokens), and the advantages: A_t = R_t (the paper), the return-to-go of R, or GAE over
    /// the value head's V_old; whitened when configured.
    /// </summary>
    private Rollout MakeRollout(PolicyBatch batch, Tensor features, IReadOnlyList<ResponseRewards> scored)
    {
        var ppo = _config.Ppo;
        var (b, r) = (batch.Count, batch.ResponseLength);
        var rewardData = new float[b * r];
        for (var i = 0; i < b; i++) Array.Copy(scored[i].TokenRewards, 0, rewardData, i * r, scored[i].TokenRewards.Length);
        var tokenRewards = tensor(rewardData, [b, r], device: _device);
        var mask = batch.ResponseMask;

        // In micro-batches of ppo.micro_batch_size rows, as the update: the peak is one micro-batch's forward. log pi_old
        // from the update's own forward (ppo.disable_dropout), so rho = 1 before the first update. With several devices
        // each computes its share of the rows on its replica.
        var logProbs = _replicas.ByDeviceMany(batch, features, (replica, share, shareFeatures) =>
        {
            var part = RolloutLogProbs.Compute(replica.Policy, share, shareFeatures, ppo);
            return ppo.DisableDropout ? [part.RefLogProbs, part.Kl, part.OldLogProbs] : [part.RefLogProbs, part.Kl];
        });
        if (ppo.DisableDropout) batch = batch with { OldLogProbs = logProbs[2] };
        var refLogProbs = logProbs[0];
        var rewards = KlPlacement.PenalisedRewards(tokenRewards, logProbs[1], scored, mask, ppo);

        Tensor advantages, returns, oldValues;
        if (_valueHead is not null)
        {
            _replicas.SetTraining(false, activationCheckpointing: false);
            oldValues = _replicas.ByDevice(batch, features, (replica, share, shareFeatures) =>
            {
                // Grad mode is per thread: set where the forward runs.
                using var noGrad = no_grad();
                return MinibatchUpdate.ByRows(share, shareFeatures, ppo.RowsPerPass, (part, partFeatures) =>
                {
                    using var outputs = PolicyForward.Run(replica.Policy.Model, part.InputIds, part.AttentionMask, partFeatures, part.PromptLength, replica.ValueHead);
                    return outputs.Values!.detach().clone();
                });
            });
            (advantages, returns) = PpoMath.Gae(rewards, oldValues, mask, ppo.Gamma, ppo.Lambda);
        }
        else
        {
            advantages = ppo.AdvantageMode == AdvantageMode.Return ? PpoMath.ReturnsToGo(rewards, mask, ppo.Gamma) : rewards;
            returns = zeros_like(rewards);
            oldValues = zeros_like(rewards);
        }
        if (ppo.Whiten) advantages = PpoMath.Whiten(advantages, mask);
        return new Rollout(batch, features, refLogProbs, tokenRewards, rewards, advantages, returns, oldValues);
    }

    private sealed record OptimiseStats(double PolicyLoss, double ValueLoss, double ClipFraction, double Entropy, double ApproxKl, int Updates, bool EarlyStopped);

    private OptimiseStats Optimise(int step, Rollout rollout)
    {
        var ppo = _config.Ppo;
        var b = (int)rollout.Count;
        double policyLoss = 0, valueLoss = 0, clipFraction = 0, entropy = 0, approxKl = 0;
        var updates = 0;
        var stop = false;
        // ppo.disable_dropout: the update runs in eval mode (dropout off), the mode log pi_old was computed in.
        _replicas.SetTraining(!ppo.DisableDropout, _config.Policy.ActivationCheckpointing);
        try
        {
            for (var epoch = 0; epoch < ppo.PpoEpochs && !stop; epoch++)
            {
                var order = Enumerable.Range(0, b).ToArray();
                new Random(Seeds.DeriveInt(_config.Run.Seed, step, epoch, 0x0b7)).Shuffle(order);
                for (var start = 0; start < b && !stop; start += ppo.MinibatchSize)
                {
                    using var scope = NewDisposeScope();
                    var rows = tensor(order.Skip(start).Take(ppo.MinibatchSize).Select(i => (long)i).ToArray(), device: _device);
                    using var minibatch = rollout.Rows(rows);

                    _optimizer.zero_grad();
                    // Each device's share of the minibatch; the gradients summed on the first device (DataParallel).
                    var loss = _replicas.Accumulate(minibatch, ppo);
                    if (ppo.MaxGradNorm > 0) nn.utils.clip_grad_norm_(_parameters, ppo.MaxGradNorm);
                    _optimizer.step();
                    _replicas.Broadcast();

                    updates++;
                    policyLoss += loss.PolicyLoss;
                    valueLoss += loss.ValueLoss;
                    clipFraction += loss.ClipFraction;
                    approxKl += loss.ApproxKl;
                    entropy += loss.Entropy;
                    // Early stop: this step's policy moved too far from pi_old; further epochs would leave the trust region.
                    if (ppo.EarlyStopKl > 0 && loss.ApproxKl > ppo.EarlyStopKl) stop = true;
                }
            }
        }
        finally
        {
            _replicas.SetTraining(false, activationCheckpointing: false);
        }
        var n = Math.Max(1, updates);
        return new OptimiseStats(policyLoss / n, valueLoss / n, clipFraction / n, entropy / n, approxKl / n, updates, stop);
    }

    /// <summary>Writes the trainer's state (adapters, value head, optimiser, RNG) into a checkpoint folder.</summary>
    public void WriteState(string directory)
    {
        _policy.SaveAdapters(Path.Combine(directory, TrainerCheckpoint.AdaptersFolder), baseModelNameOrPath: _config.Policy.AdapterBaseModel);
        if (_valueHead is not null)
            using (var stream = File.Create(Path.Combine(directory, TrainerCheckpoint.ValueHeadFileName)))
                Safetensors.SaveStateDict(stream, _valueHead.state_dict());
        _optimizer.save_state_dict(Path.Combine(directory, TrainerCheckpoint.OptimizerFileName));
        using var rng = torch.random.get_rng_state();
        File.WriteAllBytes(Path.Combine(directory, TrainerCheckpoint.RngFileName), rng.bytes.ToArray());
    }

    /// <summary>
    /// Restores a checkpoint's state into this trainer, whose policy must already carry the checkpoint's adapters
    /// (<see cref="LlavaPolicy.Load"/> with its adapters folder).
    /// </summary>
    public void ReadState(string directory, CheckpointState state)
    {
        if (_valueHead is not null)
        {
            using var stream = File.OpenRead(Path.Combine(directory, TrainerCheckpoint.ValueHeadFileName));
            var tensors = Safetensors.LoadStateDict(stream);
            _valueHead.load_state_dict(tensors);
            foreach (var t in tensors.Values) t.Dispose();
        }
        _optimizer.load_state_dict(Path.Combine(directory, TrainerCheckpoint.OptimizerFileName));
        var bytes = File.ReadAllBytes(Path.Combine(directory, TrainerCheckpoint.RngFileName));
        using var rng = tensor(bytes, ScalarType.Byte);
        torch.random.set_rng_state(rng);
        _replicas.Broadcast();
        StepsDone = state.StepsDone;
    }

    public long DataPositionOfNextStep => _order.PositionOfStep(StepsDone, _config.Run.BatchSize);

    public void Dispose()
    {
        _replicas.Dispose();
        _optimizer.Dispose();
        _valueHead?.Dispose();
    }
}
