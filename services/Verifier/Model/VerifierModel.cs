using System.Security.Cryptography;
using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Verifier.Model;

/// <summary>
/// The verifier's CLIP: both towers, the tokenizer and the image processor of one HF CLIP folder. Encoding
/// methods are not thread-safe by design: only the inference thread calls them (and start-up, before it runs).
/// </summary>
public sealed class VerifierModel : IDisposable
{
    VerifierModel(string path, string modelId, ClipModel clip, ClipTokenizer tokenizer, ClipImageProcessor images, TorchTarget target)
    {
        ModelPath = path;
        ModelId = modelId;
        Clip = clip;
        Tokenizer = tokenizer;
        Images = images;
        Target = target;
        Scale = clip.LogitScaleExp;
    }

    public string ModelPath { get; }

    /// <summary>Folder name and a hash of config + weights: two replicas with the same id score identically.</summary>
    public string ModelId { get; }

    public ClipModel Clip { get; }
    public ClipTokenizer Tokenizer { get; }
    public ClipImageProcessor Images { get; }
    public TorchTarget Target { get; }

    /// <summary>exp(logit_scale): S = Scale * cos (METHOD.md section 1).</summary>
    public double Scale { get; }

    public int EmbeddingDim => Clip.Config.ProjectionDim;
    public int ImageSize => Clip.Config.VisionConfig.ImageSize;

    public static VerifierModel Load(string directory, TorchTarget target, long maxImagePixels)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The model folder '{directory}' does not exist.");
        var clip = ClipModel.FromPretrained(directory, target);
        try
        {
            var tokenizer = ClipTokenizer.FromDirectory(directory);
            var config = File.Exists(Path.Combine(directory, "preprocessor_config.json"))
                ? ClipImageProcessorConfig.FromDirectory(directory)
                : DefaultPreprocessing(clip.Config.VisionConfig.ImageSize);
            var images = new ClipImageProcessor(config with { MaxPixels = maxImagePixels });
            return new VerifierModel(Path.GetFullPath(directory), ComputeModelId(directory), clip, tokenizer, images, target);
        }
        catch
        {
            clip.Dispose();
            throw;
        }
    }

    /// <summary>Projected, unnormalised image features [n][dim] for preprocessed images.</summary>
    public float[][] EncodeImages(IReadOnlyList<ClipPixelValues> images)
    {
        using var scope = torch.NewDisposeScope();
        var (h, w) = (images[0].Height, images[0].Width);
        var flat = new float[images.Count * 3 * h * w];
        for (int i = 0; i < images.Count; i++) images[i].Data.CopyTo(flat, i * 3 * h * w);
        var pixels = torch.tensor(flat, [images.Count, 3, h, w]);
        return Rows(Clip.GetImageFeatures(pixels));
    }

    /// <summary>Projected, unnormalised text features [n][dim].</summary>
    public float[][] EncodeTexts(IReadOnlyList<string> texts)
    {
        using var scope = torch.NewDisposeScope();
        var batch = Tokenizer.EncodeBatch(texts);
        var ids = torch.tensor(batch.InputIds, [batch.BatchSize, batch.SequenceLength]);
        var mask = torch.tensor(batch.AttentionMask, [batch.BatchSize, batch.SequenceLength]);
        return Rows(Clip.GetTextFeatures(ids, mask));
    }

    static float[][] Rows(Tensor features)
    {
        var cpu = features.to(ScalarType.Float32, torch.CPU).contiguous();
        var all = cpu.data<float>().ToArray();
        var dim = (int)cpu.shape[1];
        return Enumerable.Range(0, (int)cpu.shape[0]).Select(i => all.AsSpan(i * dim, dim).ToArray()).ToArray();
    }

    static ClipImageProcessorConfig DefaultPreprocessing(int imageSize) =>
        new() { ShortestEdge = imageSize, CropHeight = imageSize, CropWidth = imageSize };

    static string ComputeModelId(string directory)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(directory)
            .Where(f => Path.GetFileName(f) is "config.json" or "vocab.json" or "merges.txt" or "preprocessor_config.json"
                        || f.EndsWith(".safetensors", StringComparison.Ordinal))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal);
        var buffer = new byte[1 << 20];
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file)));
            using var stream = File.OpenRead(file);
            int n;
            while ((n = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return $"{name}@{Convert.ToHexStringLower(sha.GetHashAndReset())[..12]}";
    }

    public void Dispose() => Clip.Dispose();
}
