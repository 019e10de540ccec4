using FiSAO.Models.Llama;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// HF <c>LlavaForConditionalGeneration</c> (LLaVA-1.5): CLIP <c>vision_tower</c>, <c>multi_modal_projector</c> and a
/// LLaMA <c>language_model</c> (<see cref="LlamaForCausalLM"/>). Module names follow the transformers &lt; 4.52 layout
/// (<see cref="LlavaKeyLayout.Legacy"/>); <see cref="LlavaCheckpointLoader"/> reads both spellings.
/// <para>
/// Image placeholders: as in transformers &gt;= 4.47, a prompt carries <see cref="ImageSeqLength"/> copies of the image
/// token per image (<see cref="LlavaTokenizer.EncodePrompt"/> expands the chat template's single <c>&lt;image&gt;</c>),
/// and the projected patch features replace those positions' embeddings in order (HF's <c>masked_scatter</c>). The
/// result equals the older in-model expansion of one <c>&lt;image&gt;</c> token into 576 features, while masks,
/// positions and the KV cache stay in token space.
/// </para>
/// </summary>
public sealed class LlavaForConditionalGeneration : nn.Module
{
#pragma warning disable IDE1006
    private readonly LlavaVisionTower vision_tower;
    private readonly LlavaMultiModalProjector multi_modal_projector;
    private readonly LlamaForCausalLM language_model;
#pragma warning restore IDE1006

    public LlavaForConditionalGeneration(LlavaConfig config, LlamaAttentionImplementation attention = LlamaAttentionImplementation.Sdpa,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlavaForConditionalGeneration))
    {
        config.Validate();
        Config = config;
        Device = device ?? torch.CPU;
        DType = dtype;
        vision_tower = new LlavaVisionTower(config.VisionConfig, device, dtype);
        multi_modal_projector = new LlavaMultiModalProjector(config.VisionConfig.HiddenSize, config.TextConfig.HiddenSize,
            config.ProjectorHiddenAct, config.MultimodalProjectorBias, device, dtype);
        language_model = new LlamaForCausalLM(config.TextConfig, attention, device, dtype);
        RegisterComponents();
        eval();
    }

    public LlavaConfig Config { get; }

    public Device Device { get; }

    public ScalarType DType { get; }

    public LlavaVisionTower VisionTower => vision_tower;

    public LlavaMultiModalProjector MultiModalProjector => multi_modal_projector;

    public LlamaForCausalLM LanguageModel => language_model;

    /// <summary>Image placeholder tokens (= features) per image: 576 for LLaVA-1.5 (336 px, patch 14, CLS dropped).</summary>
    public int ImageSeqLength => Config.ImageSeqLength;

    public int ImageTokenIndex => Config.ImageTokenIndex;

    /// <summary>Loads a llava-hf folder (both key spellings, sharded or not, fp32/fp16/bf16 files), strictly.</summary>
    public static LlavaForConditionalGeneration FromPretrained(string directory, TorchTarget target,
        LlamaAttentionImplementation attention = LlamaAttentionImplementation.Sdpa) =>
        LlavaCheckpointLoader.Load(directory, target, attention).Model;

    /// <summary>
    /// HF <c>get_image_features</c>: the tower's hidden state at <c>vision_feature_layer</c> (embeddings + each layer,
    /// -2 = penultimate), without the CLS token under the "default" strategy, through the projector.
    /// </summary>
    /// <param name="pixelValues">[N, 3, image_size, image_size] CLIP-normalised pixels (moved/cast to the model).</param>
    /// <returns>[N, <see cref="ImageSeqLength"/>, text hidden] in the model dtype.</returns>
    public Tensor GetImageFeatures(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        var output = vision_tower.VisionModel.Forward(pixelValues.to(DType, Device), outputHiddenStates: true);
        var states = output.HiddenStates!;
        var index = Config.VisionFeatureLayer < 0 ? states.Count + Config.VisionFeatureLayer : Config.VisionFeatureLayer;
        var selected = states[index];
        if (Config.VisionFeatureSelectStrategy == LlavaConfig.DefaultStrategy)
            selected = selected.narrow(1, 1, selected.shape[1] - 1);
        return multi_modal_projector.forward(selected).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Input embeddings [B, T, hidden]: token embeddings, with the image placeholders replaced by
    /// <paramref name="imageFeatures"/> row by row, image by image (HF's masked_scatter). Image token ids at or above the
    /// vocabulary size are looked up as id 0 first, as HF does.
    /// </summary>
    /// <param name="inputIds">[B, T] token ids.</param>
    /// <param name="imageFeatures">[N, S, hidden] from <see cref="GetImageFeatures"/>, or null: then image token ids are
    /// embedded like any token (HF's decode steps).</param>
    /// <param name="imageRegionLength">When given, only image tokens in the first this-many columns are placeholders
    /// (the prompt); later ones (a sampled image id in a response) are ordinary tokens.</param>
    public Tensor EmbedInputs(Tensor inputIds, Tensor? imageFeatures, long? imageRegionLength = null)
    {
        using var scope = torch.NewDisposeScope();
        var ids = inputIds.to(ScalarType.Int64, Device);
        using var imageToken = Config.ImageTokenIndex.ToScalar();
        var isImageToken = ids.eq(imageToken);
        var isImage = isImageToken;
        if (imageRegionLength is { } region && region < ids.shape[1])
        {
            using var length = ids.shape[1].ToScalar();
            using var regionEnd = region.ToScalar();
            var inRegion = torch.arange(Scalars.Zero, length, Scalars.One, device: Device).lt(regionEnd).unsqueeze(0);
            isImage = isImage.logical_and(inRegion);
        }
        var lookup = Config.ImageTokenIndex >= Config.TextConfig.VocabSize ? ids.masked_fill(isImageToken, Scalars.Zero) : ids;
        var embeds = language_model.Model.Embed(lookup);
        if (imageFeatures is not null)
        {
            var placeholders = isImage.sum().item<long>();
            var features = imageFeatures.shape[0] * imageFeatures.shape[1];
            if (placeholders != features)
                throw new ArgumentException(
                    $"Image features and image tokens do not match: {placeholders} image tokens in the input, {features} features " +
                    $"({imageFeatures.shape[0]} image(s) x {imageFeatures.shape[1]}). Prompts need {ImageSeqLength} image tokens per image " +
                    "(LlavaTokenizer.EncodePrompt expands <image>).", nameof(inputIds));
            var mask = isImage.unsqueeze(-1).expand_as(embeds);
            embeds = embeds.masked_scatter(mask, imageFeatures.to(embeds.dtype, Device));
        }
        return embeds.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits [B, T or logitsToKeep, vocab] in the model dtype. <paramref name="imageFeatures"/> are spliced into the
    /// image placeholders (see <see cref="EmbedInputs"/>); pass them only on the step that holds the prompt.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? imageFeatures, Tensor? attentionMask = null, Tensor? positionIds = null,
        LlamaKvCache? cache = null, long logitsToKeep = 0)
    {
        using var scope = torch.NewDisposeScope();
        var embeds = EmbedInputs(inputIds, imageFeatures);
        return language_model.Forward(embeds, attentionMask, positionIds, cache, logitsToKeep).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// log pi(y_t | x, y_&lt;t, v) of each response token, at temperature 1 over the full vocabulary (no top-p/top-k):
    /// the policy's own distribution, which PPO's ratio and KL use. Same definition as
    /// <see cref="GenerationResult"/>'s <c>LogProbs</c>. Runs with autograd when the caller has it enabled.
    /// </summary>
    /// <param name="inputIds">[B, P + R]: prompt left-padded to P columns, response right-padded to R.</param>
    /// <param name="attentionMask">[B, P + R]: 1 on real prompt and response tokens, 0 on padding.</param>
    /// <param name="imageFeatures">[N, S, hidden] for the prompts' image placeholders, or null for text-only prompts.</param>
    /// <param name="promptLength">P.</param>
    /// <returns>[B, R] fp32; entries on response padding are meaningless (mask them).</returns>
    public Tensor ResponseLogProbs(Tensor inputIds, Tensor attentionMask, Tensor? imageFeatures, long promptLength)
    {
        using var scope = torch.NewDisposeScope();
        var logits = ResponseLogits(inputIds, attentionMask, imageFeatures, promptLength);
        return TokenLogProbs(logits, ResponseTargets(inputIds, promptLength)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The logits that predict the response tokens: [B, R, vocab], column t predicting y_t (the LM head over
    /// <see cref="ResponseHiddenStates"/>); what <see cref="ResponseLogProbs"/> and an exact KL over the vocabulary read.
    /// </summary>
    public Tensor ResponseLogits(Tensor inputIds, Tensor attentionMask, Tensor? imageFeatures, long promptLength) =>
        language_model.LmHead(ResponseHiddenStates(inputIds, attentionMask, imageFeatures, promptLength));

    /// <summary>
    /// The final hidden states that predict the response tokens: [B, R, hidden], column t the state at position P - 1 + t
    /// (it predicts y_t). One pass of the language model over prompt + response; the log-probs
    /// (<see cref="ResponseLogProbs"/>) and a value head read the same states.
    /// </summary>
    public Tensor ResponseHiddenStates(Tensor inputIds, Tensor attentionMask, Tensor? imageFeatures, long promptLength)
    {
        using var scope = torch.NewDisposeScope();
        var total = inputIds.shape[1];
        var r = total - promptLength;
        if (promptLength < 1 || r < 1)
            throw new ArgumentException($"Need at least one prompt and one response column; got P = {promptLength} of {total}.", nameof(promptLength));
        var embeds = EmbedInputs(inputIds, imageFeatures, promptLength);
        var hidden = language_model.Model.Forward(embeds, attentionMask.to(Device));
        return hidden.narrow(1, promptLength - 1, r).MoveToOuterDisposeScope();
    }

    /// <summary>The response tokens y_t of [B, P + R] ids: [B, R] int64 on the model's device.</summary>
    public Tensor ResponseTargets(Tensor inputIds, long promptLength) =>
        inputIds.to(ScalarType.Int64, Device).narrow(1, promptLength, inputIds.shape[1] - promptLength);

    /// <summary>log_softmax(logits) in fp32, gathered at <paramref name="targets"/>: [..., V] and [...] -> [...].</summary>
    public static Tensor TokenLogProbs(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var logp = logits.to(ScalarType.Float32).log_softmax(-1);
        return logp.gather(-1, targets.to(ScalarType.Int64).unsqueeze(-1)).squeeze(-1).MoveToOuterDisposeScope();
    }

    public LlamaKvCache CreateCache(long batchSize, long capacity) => language_model.CreateCache(batchSize, capacity);
}
