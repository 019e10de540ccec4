using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rewards;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// <c>ppo.kl_tokens</c>: the [B, R] 0/1 mask of the response tokens that carry the KL term of R_t. <c>all</c>: every
/// response token (the response mask). <c>entities</c>: the tokens of the verifier's object mentions (each mention's
/// [TokenStart, TokenEnd)), as Eq. 8 adds xi D_KL only where y_t is in the entity set C.
/// </summary>
public static class KlPlacement
{
    /// <summary>
    /// R_t = r_t - xi KL_t on the tokens <c>ppo.kl_tokens</c> names (Algorithm 1 step 4; Eq. 8 with <c>entities</c>), 0 on
    /// padding: the verifier's token rewards [B, R], the per-token KL of <c>ppo.kl_estimator</c> and the scored responses
    /// whose mention spans place it.
    /// </summary>
    public static Tensor PenalisedRewards(Tensor tokenRewards, Tensor kl, IReadOnlyList<ResponseRewards> scored, Tensor responseMask, PpoSettings ppo)
    {
        using var klMask = Mask(ppo.KlTokens, scored, responseMask);
        return PpoMath.PenalisedRewards(tokenRewards, kl, responseMask, klMask, ppo.Xi);
    }

    public static Tensor Mask(KlTokens tokens, IReadOnlyList<ResponseRewards> scored, Tensor responseMask)
    {
        if (tokens == KlTokens.All) return responseMask.clone();
        var (b, r) = (responseMask.shape[0], responseMask.shape[1]);
        if (scored.Count != b) throw new ArgumentException($"{scored.Count} scored responses for {b} rows.", nameof(scored));
        var data = new float[b * r];
        for (var i = 0; i < b; i++)
            foreach (var m in scored[i].Mentions)
                for (var t = Math.Max(0, m.TokenStart); t < Math.Min(m.TokenEnd, r); t++)
                    data[i * r + t] = 1;
        using var entities = tensor(data, [b, r], device: responseMask.device);
        return entities * responseMask;
    }
}
