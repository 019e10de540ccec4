using FiSAO.ShapesWorld.Scenes;

namespace FiSAO.ShapesWorld.Training;

/// <summary>How the shapes CLIP is trained. Defaults: the built-in verifier model (measured in the project README of
/// FiSAO.ShapesWorld).</summary>
public sealed record TrainingOptions
{
    /// <summary>Seeds the scenes, the weights and the batch order.</summary>
    public long Seed { get; init; } = 1;

    public ShapesClipSize Size { get; init; } = ShapesClipSize.Default;

    /// <summary>Training scenes (scene indices 0 .. n-1 of <see cref="Seed"/>).</summary>
    public int TrainScenes { get; init; } = 32000;

    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 64;

    /// <summary>Peak AdamW learning rate (linear warm-up, then cosine decay to 0).</summary>
    public double LearningRate { get; init; } = 2e-3;

    public double WarmupFraction { get; init; } = 0.05;

    /// <summary>AdamW decoupled weight decay on weight matrices (not on biases, norms, logit scale).</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Weight of the image–caption contrastive loss.</summary>
    public double CaptionLossWeight { get; init; } = 1.0;

    /// <summary>Weight of the image–object-word contrastive loss.</summary>
    public double WordLossWeight { get; init; } = 1.0;

    /// <summary>
    /// Weight of the dense auxiliary loss: every patch token that an object covers (see
    /// <see cref="PatchMinCoverage"/>), mapped like the class token (post_layernorm, visual_projection), must pick its
    /// object's word among the 16 nouns (cross-entropy over exp(logit_scale) * cos). The generator knows exactly which
    /// object every pixel shows; this dense signal makes the small ViT learn shapes many times faster than the pooled
    /// losses alone. 0 turns it off.
    /// </summary>
    public double PatchLossWeight { get; init; } = 1.0;

    /// <summary>
    /// Weight of a sigmoid loss on every (image, object word) pair of the batch (SigLIP-style: exp(logit_scale) * cos
    /// plus one learned bias, binary cross-entropy against "object in the image"). The InfoNCE terms rank words within
    /// an image and images within a word; this term puts all pairs on one scale, which is what one global verifier
    /// threshold (the calibration's mu_gt / mu_hal) needs. The bias is training-only. 0 turns it off.
    /// </summary>
    public double WordSigmoidWeight { get; init; } = 1.0;

    /// <summary>
    /// Weight of a text-only InfoNCE among the object words: the singular and plural of a noun are positives, every
    /// other noun a negative. It spreads the 16 nouns apart in the joint space from the first steps, so that the
    /// image-side losses have stable, distinct targets. 0 turns it off.
    /// </summary>
    public double WordSeparationWeight { get; init; } = 1.0;

    /// <summary>Share of a patch an object must cover for the patch to get that object's label.</summary>
    public double PatchMinCoverage { get; init; } = 0.25;

    /// <summary>
    /// Mirror a random half of each batch left-right (pixels and patch labels; captions name no sides). Every icon of
    /// the world is drawn mirrored anyway, so this doubles the distinct views at no generation cost.
    /// </summary>
    public bool FlipAugmentation { get; init; } = true;

    /// <summary>Gradient norm clip.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>libtorch intra-op threads; 0 leaves libtorch's default (all cores).</summary>
    public int Threads { get; init; }

    public SceneOptions Scenes { get; init; } = new();

    public void Validate()
    {
        Scenes.Validate();
        if (TrainScenes < 2) throw new ArgumentOutOfRangeException(nameof(TrainScenes));
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs));
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize));
        if (LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate));
        if (WarmupFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(WarmupFraction));
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads));
    }
}

/// <summary>A progress report of training: after each step, and once more at the end of each epoch with the
/// epoch's means.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="Loss">Mean total loss so far in this epoch.</param>
/// <param name="CaptionAccuracy">Share of images whose own caption is the best of the batch (image -> caption top-1).</param>
/// <param name="WordAccuracy">Share of images whose best-scoring object word names an object in them (image -> word top-1).</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double CaptionAccuracy,
    double WordAccuracy, double LogitScale, TimeSpan Elapsed, bool EndOfEpoch)
{
    /// <summary>Mean image–caption InfoNCE so far in this epoch.</summary>
    public double CaptionLoss { get; init; }

    /// <summary>Mean image–object-word InfoNCE so far in this epoch.</summary>
    public double WordLoss { get; init; }

    /// <summary>Mean dense patch–word cross-entropy so far in this epoch (0 when off).</summary>
    public double PatchLoss { get; init; }

    /// <summary>Share of labelled patches whose best noun is their object's.</summary>
    public double PatchAccuracy { get; init; }
}
