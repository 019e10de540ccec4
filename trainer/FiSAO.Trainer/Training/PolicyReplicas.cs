using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Training;

/// <summary>One device's copy of what PPO trains: the policy (frozen base + LoRA) and, in gae mode, the value head.</summary>
public sealed record PolicyReplica(LlavaPolicy Policy, ValueHead? ValueHead)
{
    public Device Device => Policy.Model.Device;

    /// <summary>The trained tensors, in the same order on every replica: lora_A and lora_B of every adapter, then the value head's.</summary>
    public IReadOnlyList<Parameter> Parameters { get; } = [.. Policy.TrainableParameters(), .. ValueHead?.parameters() ?? []];
}

/// <summary>
/// Data parallelism in one process, as torch.nn.DataParallel does it (TorchSharp has no torch.distributed or NCCL): a
/// replica per device (<c>policy.devices</c>); the first, the primary, is the one the optimiser steps and checkpoints
/// save. Work over a batch's rows is split into contiguous shares, one per device, run at once on a thread per device
/// (<see cref="DeviceWorkers"/>) and gathered in row order on the primary; the PPO update sums every replica's
/// gradient on the primary (<see cref="Accumulate"/>), and <see cref="Broadcast"/> copies the stepped weights back to
/// every replica. Nothing here names a device: everything follows the devices the replicas were loaded on.
/// </summary>
public sealed class PolicyReplicas : IDisposable
{
    private readonly DeviceWorkers _workers;
    private readonly IReadOnlyList<LlavaPolicy> _owned;

    /// <param name="primary">The policy on the first device (owned by the caller).</param>
    /// <param name="primaryValueHead">Its value head in gae mode (owned by the caller); each replica gets a copy.</param>
    /// <param name="others">Policies loaded on the other devices, owned from now on: disposed with this object.</param>
    /// <param name="torchThreads">libtorch threads per device thread (0: libtorch's default).</param>
    public PolicyReplicas(LlavaPolicy primary, ValueHead? primaryValueHead, IReadOnlyList<LlavaPolicy> others, int torchThreads)
    {
        _owned = others;
        var replicas = new List<PolicyReplica> { new(primary, primaryValueHead) };
        foreach (var policy in others)
        {
            ValueHead? head = null;
            if (primaryValueHead is not null)
            {
                // The copy's random initialisation is overwritten by Broadcast; the CPU generator must not move for it, so the
                // run draws what a one-device run draws (LoRA dropout) and its checkpointed RNG state is the same.
                using var rng = torch.random.get_rng_state();
                head = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, policy.Model.Device);
                torch.random.set_rng_state(rng);
            }
            replicas.Add(new PolicyReplica(policy, head));
        }
        Replicas = replicas;
        if (replicas.Any(r => r.Parameters.Count != replicas[0].Parameters.Count))
            throw new InvalidOperationException("Every replica must carry the same adapters (policy.devices loads one policy per device from one config).");
        _workers = new DeviceWorkers(replicas.Count, torchThreads);
        Broadcast();
    }

    public IReadOnlyList<PolicyReplica> Replicas { get; }

    public PolicyReplica Primary => Replicas[0];

    public int Count => Replicas.Count;

    /// <summary>
    /// Loads a replica of the policy for every device of <c>policy.devices</c> after the first, each with the primary's
    /// adapters (fresh ones from the same seed, or <paramref name="adapterDirectory"/> on resume); Broadcast makes them equal anyway.
    /// </summary>
    public static IReadOnlyList<LlavaPolicy> LoadOthers(TrainerConfig config, Func<TorchTarget, LlavaPolicy> load)
    {
        var policies = new List<LlavaPolicy>();
        // Building a model initialises its modules from the CPU generator before the weights are read: put the generator
        // back, so the run draws what a one-device run draws (the value head's initialisation, LoRA dropout).
        using var rng = torch.random.get_rng_state();
        try
        {
            foreach (var device in config.Policy.DeviceList.Skip(1)) policies.Add(load(TorchTarget.Parse(device, config.Policy.DType)));
            torch.random.set_rng_state(rng);
            return policies;
        }
        catch
        {
            foreach (var p in policies) p.Dispose();
            throw;
        }
    }

    /// <summary>Contiguous shares of <paramref name="rows"/> rows, one per device in device order (ceil(rows / N) each; the last ones may be short or empty).</summary>
    public IReadOnlyList<(long Start, long Count)> Shares(long rows)
    {
        var size = (rows + Count - 1) / Count;
        return [.. Enumerable.Range(0, Count).Select(d => (Start: Math.Min(d * size, rows), Count: Math.Clamp(rows - d * size, 0, size)))];
    }

    /// <summary>Runs <paramref name="work"/> on every replica at once, each on its device's thread (inline with one device).</summary>
    public T[] OnEach<T>(Func<PolicyReplica, int, T> work) => _workers.Run(d => work(Replicas[d], d));

    /// <summary>
    /// f over the rows of <paramref name="batch"/> split across the devices (each share moved to its replica's device),
    /// concatenated along rows on the primary's device: the reference log-probs and V_old of a rollout.
    /// </summary>
    public Tensor ByDevice(PolicyBatch batch, Tensor features, Func<PolicyReplica, PolicyBatch, Tensor, Tensor> f) =>
        ByDeviceMany(batch, features, (replica, share, shareFeatures) => [f(replica, share, shareFeatures)])[0];

    /// <summary>
    /// <see cref="ByDevice"/> for an f with several row-aligned results (log pi_old, log pi_ref and the KL term of a
    /// rollout): result k is f's k-th tensor of every share, concatenated along rows on the primary's device.
    /// </summary>
    public Tensor[] ByDeviceMany(PolicyBatch batch, Tensor features, Func<PolicyReplica, PolicyBatch, Tensor, Tensor[]> f)
    {
        if (Count == 1) return f(Primary, batch, features);
        var shares = Shares(batch.Count);
        var parts = OnEach((replica, d) =>
        {
            if (shares[d].Count == 0) return null;
            using var scope = NewDisposeScope();
            using var rows = MinibatchUpdate.RowRange(shares[d].Start, shares[d].Count, batch.InputIds.device);
            using var share = batch.Rows(rows);
            using var part = share.To(replica.Device);
            var results = f(replica, part, features.index_select(0, rows.to(features.device)).to(replica.Device));
            // A result may be a tensor of the share itself (disposed with it): keep a copy of each.
            return results.Select(t => t.clone().DetachFromDisposeScope()).ToArray();
        });
        using var gather = NewDisposeScope();
        var present = parts.OfType<Tensor[]>().ToList();
        var gathered = Enumerable.Range(0, present[0].Length)
            .Select(k => cat([.. present.Select(p => p[k].to(Primary.Device))], 0).MoveToOuterDisposeScope())
            .ToArray();
        foreach (var p in present) foreach (var t in p) t.Dispose();
        return gathered;
    }

    /// <summary>
    /// The minibatch's gradient in the primary's .grad (zeroed by the caller's optimiser), data parallel: every device
    /// computes the gradient of its share of the rows, each loss normalised by the whole minibatch's response tokens
    /// (<see cref="PpoObjective"/>), so the sum over devices is the one-device gradient; the other replicas' gradients are
    /// then added to the primary's. Loss terms are summed over devices as over micro-batches.
    /// </summary>
    public MinibatchLoss Accumulate(Rollout minibatch, PpoSettings ppo)
    {
        if (Count == 1) return MinibatchUpdate.Accumulate(Primary.Policy.Model, Primary.ValueHead, minibatch, ppo);
        using var scope = NewDisposeScope();
        var tokens = minibatch.ResponseMask.sum().item<float>();
        foreach (var replica in Replicas.Skip(1)) ZeroGradients(replica);
        var shares = Shares(minibatch.Count);
        var losses = OnEach((replica, d) =>
        {
            if (shares[d].Count == 0) return null;
            using var partScope = NewDisposeScope();
            using var share = MinibatchUpdate.Slice(minibatch, shares[d].Start, shares[d].Count);
            using var part = share.To(replica.Device);
            var loss = MinibatchUpdate.Accumulate(replica.Policy.Model, replica.ValueHead, part, ppo, tokens);
            return loss with { Loss = loss.Loss.DetachFromDisposeScope() };
        });
        using (no_grad())
        {
            var primary = Primary.Parameters;
            foreach (var replica in Replicas.Skip(1))
                for (var i = 0; i < primary.Count; i++)
                {
                    using var grad = replica.Parameters[i].grad;
                    if (grad is null) continue;
                    using var target = primary[i].grad
                        ?? throw new InvalidOperationException("The primary replica has no gradient after its share of the minibatch.");
                    using var moved = grad.to(target.device);
                    target.add_(moved, Scalars.One);
                }
        }
        var parts = losses.OfType<MinibatchLoss>().ToList();
        var total = parts.Sum(l => l.Loss.item<double>());
        foreach (var l in parts) l.Loss.Dispose();
        return new MinibatchLoss(tensor(total).MoveToOuterDisposeScope(), parts.Sum(l => l.PolicyLoss), parts.Sum(l => l.ValueLoss),
            parts.Sum(l => l.Entropy), parts.Sum(l => l.ClipFraction), parts.Sum(l => l.ApproxKl));
    }

    /// <summary>Copies the primary's adapter (and value head) weights to every other replica: after each optimiser step.</summary>
    public void Broadcast()
    {
        if (Count == 1) return;
        using var noGrad = no_grad();
        var primary = Primary.Parameters;
        foreach (var replica in Replicas.Skip(1))
            for (var i = 0; i < primary.Count; i++)
                replica.Parameters[i].copy_(primary[i]);
    }

    /// <summary>Train or eval mode and activation checkpointing, on every replica alike.</summary>
    public void SetTraining(bool training, bool activationCheckpointing)
    {
        foreach (var replica in Replicas)
        {
            replica.Policy.Model.train(training);
            replica.Policy.Model.LanguageModel.Model.GradientCheckpointing = activationCheckpointing;
        }
    }

    private static void ZeroGradients(PolicyReplica replica)
    {
        using var noGrad = no_grad();
        foreach (var p in replica.Parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    public void Dispose()
    {
        _workers.Dispose();
        foreach (var replica in Replicas.Skip(1)) replica.ValueHead?.Dispose();
        foreach (var policy in _owned) policy.Dispose();
    }
}
