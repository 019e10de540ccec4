using FiSAO.Models.Llama;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// The PPO policy in one object: a llava-hf LLaVA model, its tokenizer and (optionally) LoRA adapters on the language
/// model. With adapters on it is pi_theta; with them off (<see cref="LoraAdapters.Disable"/>) it is pi_ref, so the
/// reference policy shares every base weight (the trainer owns the PPO use of both). Log-probs everywhere are log pi(y_t | x, y_&lt;t, v) at temperature 1 over
/// the full vocabulary (see <see cref="GeneratedSequence"/>).
/// </summary>
public sealed class LlavaPolicy : IDisposable
{
    private LlavaPolicy(LlavaForConditionalGeneration model, LlavaKeyLayout layout, LlavaTokenizer tokenizer, LoraAdapters? adapters, string directory)
    {
        Model = model;
        CheckpointLayout = layout;
        Tokenizer = tokenizer;
        Adapters = adapters;
        ModelDirectory = directory;
    }

    public LlavaForConditionalGeneration Model { get; }

    /// <summary>The key spelling of the base checkpoint's files.</summary>
    public LlavaKeyLayout CheckpointLayout { get; }

    public LlavaTokenizer Tokenizer { get; }

    /// <summary>Null when loaded without LoRA.</summary>
    public LoraAdapters? Adapters { get; }

    public string ModelDirectory { get; }

    /// <summary>
    /// Loads a llava-hf folder (weights, config, tokenizer). Then either attaches fresh adapters (<paramref name="lora"/>),
    /// or loads PEFT adapters from <paramref name="adapterDirectory"/>, or neither.
    /// </summary>
    public static LlavaPolicy Load(string modelDirectory, TorchTarget target, LoraConfig? lora = null, string? adapterDirectory = null,
        LlamaAttentionImplementation attention = LlamaAttentionImplementation.Sdpa)
    {
        if (lora is not null && adapterDirectory is not null)
            throw new ArgumentException("Give either a LoRA config for fresh adapters or an adapter folder to load, not both.");
        var tokenizer = LlavaTokenizer.FromDirectory(modelDirectory);
        var (model, layout) = LlavaCheckpointLoader.Load(modelDirectory, target, attention);
        try
        {
            var adapters = lora is not null ? LoraAdapters.Attach(model, lora)
                : adapterDirectory is not null ? PeftAdapter.Load(model, adapterDirectory).Adapters
                : null;
            return new LlavaPolicy(model, layout, tokenizer, adapters, modelDirectory);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Prompt ids for one user turn (chat template, BOS, image placeholders expanded).</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt, string template = LlavaTokenizer.DefaultChatTemplate) =>
        Tokenizer.EncodePrompt(prompt, Model.ImageSeqLength, template);

    /// <summary>Projected image features [N, 576, hidden] without autograd (the tower and projector are frozen).</summary>
    public Tensor ImageFeatures(Tensor pixelValues)
    {
        using var noGrad = torch.no_grad();
        return Model.GetImageFeatures(pixelValues);
    }

    /// <summary>Samples responses with the current policy (adapters as they are), eval mode, no autograd.</summary>
    public GenerationResult Generate(IReadOnlyList<string> prompts, Tensor pixelValues, GenerationOptions options, string template = LlavaTokenizer.DefaultChatTemplate)
    {
        var batch = PromptBatch.LeftPadded(prompts.Select(p => EncodePrompt(p, template)), PadId);
        using var scope = torch.NewDisposeScope();
        return GenerateFromFeatures(batch, ImageFeatures(pixelValues), options);
    }

    /// <summary>As <see cref="Generate"/> with prompts already encoded and image features already computed.</summary>
    public GenerationResult GenerateFromFeatures(PromptBatch prompts, Tensor imageFeatures, GenerationOptions options)
    {
        var wasTraining = Model.training;
        Model.eval();
        try
        {
            return LlavaGenerator.GenerateFromFeatures(Model, Tokenizer, prompts, imageFeatures, options);
        }
        finally
        {
            Model.train(wasTraining);
        }
    }

    /// <summary>The optimizer's parameters: lora_A and lora_B of every adapter.</summary>
    public IEnumerable<Parameter> TrainableParameters() =>
        Adapters?.Parameters() ?? throw new InvalidOperationException("The policy has no LoRA adapters; load it with a LoraConfig.");

    /// <summary>Saves the adapters in PEFT format (see <see cref="PeftAdapter"/>).</summary>
    public void SaveAdapters(string directory, LlavaKeyLayout layout = LlavaKeyLayout.Legacy, string? baseModelNameOrPath = null)
    {
        if (Adapters is null) throw new InvalidOperationException("The policy has no LoRA adapters to save.");
        PeftAdapter.Save(Adapters, directory, baseModelNameOrPath ?? ModelDirectory, layout);
    }

    private int PadId => Tokenizer.PadId ?? Model.Config.PadTokenId ?? Tokenizer.EosId;

    public void Dispose() => Model.Dispose();
}
