using FiSAO.Evaluation.Coco;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;

namespace FiSAO.Trainer.Evaluation;

/// <summary>A policy (+ adapters) run on a COCO-format split and judged by CHAIR: what <c>evaluate</c> and
/// <c>calibrate</c> share.</summary>
public abstract record CocoPolicyOptions
{
    public required string Policy { get; init; }
    public string? Adapters { get; init; }

    /// <summary>Where the policy runs (policy.device / policy.dtype: cpu or cuda[:N]; fp32, fp16 or bf16).</summary>
    public string Device { get; init; } = "cpu";
    public string DType { get; init; } = "fp32";
    public required string Coco { get; init; }
    public string CocoSplit { get; init; } = CocoDataset.DefaultSplit;

    /// <summary>An entity list (the verifier's entities.txt) for a world that is not COCO's: every entity is judged. Null:
    /// CHAIR's own COCO vocabulary, read as Rohrbach et al. read captions.</summary>
    public string? Entities { get; init; }

    /// <summary>The CHAIR judge these options name.</summary>
    public ChairEvaluator ChairJudge() => Entities is null
        ? new ChairEvaluator()
        : new ChairEvaluator(EntitySet.Load(Entities), ChairMatching.Extended, ChairVocabulary.AllEntities);

    public LlavaPolicy LoadPolicy() => LlavaPolicy.Load(Policy, TorchTarget.Parse(Device, DType), adapterDirectory: Adapters);
}
