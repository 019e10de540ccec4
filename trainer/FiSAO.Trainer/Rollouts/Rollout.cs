using static TorchSharp.torch;

namespace FiSAO.Trainer.Rollouts;

/// <summary>
/// What PPO needs of one step's responses (OpenRLHF's Experience): the sequences and their masks, the image features of
/// their prompts, log pi_old and log pi_ref per response token, the verifier's token rewards r_t, the KL-penalised
/// rewards R_t, the advantages and returns, and V_old (zeros without a value head). Every per-token tensor is [B, R],
/// right-padded, 0 on padding. Owns its tensors.
/// </summary>
public sealed record Rollout(
    PolicyBatch Batch,
    Tensor ImageFeatures,
    Tensor RefLogProbs,
    Tensor TokenRewards,
    Tensor Rewards,
    Tensor Advantages,
    Tensor Returns,
    Tensor OldValues) : IDisposable
{
    public Tensor ResponseMask => Batch.ResponseMask;

    public Tensor OldLogProbs => Batch.OldLogProbs;

    public long Count => Batch.Count;

    /// <summary>The rows <paramref name="rows"/> (int64 indices) of every tensor: a minibatch or micro-batch.</summary>
    public Rollout Rows(Tensor rows)
    {
        Tensor Take(Tensor t) => t.index_select(0, rows.to(t.device));
        return new Rollout(
            Batch.Rows(rows),
            Take(ImageFeatures), Take(RefLogProbs), Take(TokenRewards), Take(Rewards), Take(Advantages), Take(Returns), Take(OldValues));
    }

    /// <summary>The same rows on <paramref name="device"/> (a replica's share of a minibatch in data-parallel training).</summary>
    public Rollout To(Device device) => new(
        Batch.To(device),
        ImageFeatures.to(device), RefLogProbs.to(device), TokenRewards.to(device), Rewards.to(device), Advantages.to(device), Returns.to(device),
        OldValues.to(device));

    public void Dispose()
    {
        Batch.Dispose();
        ImageFeatures.Dispose();
        RefLogProbs.Dispose();
        TokenRewards.Dispose();
        Rewards.Dispose();
        Advantages.Dispose();
        Returns.Dispose();
        OldValues.Dispose();
    }
}
