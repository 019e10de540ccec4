using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Policies;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests.Support;

/// <summary>
/// A tiny random LLaVA-style policy written once per test process as a real llava-hf folder (random 32 px CLIP tower,
/// 2-layer GQA decoder, word-level SentencePiece tokenizer without byte fallback, so sampling a given word is not rare).
/// </summary>
public static class TinyPolicy
{
    public static readonly string[] Words = ["a", "and", "big", "blue", "cat", "dog", "red", "small", "the", "is", "on", "mat"];

    private static readonly Lazy<string> Folder = new(() =>
    {
        var directory = Path.Combine(TestDirectories.Root, "tiny-policy");
        PolicyFolderWriter.Write(directory, WordPieceTokenizer.Build(Words, byteFallback: false), new PolicySpec { Seed = 3 });
        return directory;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Folder.Value;

    /// <summary>The tiny policy with LoRA on q/v/o/down_proj and random B (times <paramref name="scale"/>), so pi_theta != pi_ref.</summary>
    public static LlavaPolicy WithAdapters(double dropout, double scale = 0.1)
    {
        var policy = LlavaPolicy.Load(Directory, TorchTarget.Cpu(),
            new LoraConfig { Rank = 4, Alpha = 8, Dropout = dropout, TargetModules = ["q_proj", "v_proj", "o_proj", "down_proj"] });
        using var noGrad = no_grad();
        using var generator = new Generator(5);
        foreach (var m in policy.Adapters!.Modules.Values) m.LoraB.copy_(randn(m.LoraB.shape, generator: generator) * scale);
        return policy;
    }

    /// <summary>Responses the policy samples for the first <paramref name="count"/> shapes-world prompts, and their image features.</summary>
    public static (PolicyBatch Batch, Tensor Features) Sample(LlavaPolicy policy, int count, int maxNewTokens, int seed)
    {
        var source = new ShapesPromptSource(5, 16, "Describe this image.");
        var images = ClipImageProcessor.FromDirectory(Directory);
        var samples = Enumerable.Range(0, count).Select(source.Get).ToList();
        var features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)]));
        var prompts = PromptBatch.LeftPadded(samples.Select(s => policy.EncodePrompt(s.Prompt)), policy.Tokenizer.PadId!.Value);
        var generation = policy.GenerateFromFeatures(prompts, features, new GenerationOptions { MaxNewTokens = maxNewTokens, Seed = seed });
        return (PolicyBatch.From(generation), features);
    }
}

public static class TestDirectories
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "fisao-trainer-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    public static string Root => RootFolder.Value;

    public static string New(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;
}
