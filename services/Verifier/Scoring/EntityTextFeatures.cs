using System.Security.Cryptography;
using System.Text;
using FiSAO.Rewards;
using FiSAO.Rewards.Entities;
using FiSAO.Verifier.Model;

namespace FiSAO.Verifier.Scoring;

/// <summary>
/// Unit-length text features of every surface form of the entity set (through the mention template), computed
/// once per model x entity set x template (METHOD.md section 1: entity text embeddings are fixed) and cached on
/// disk so a restart does not recompute them.
/// </summary>
public sealed class EntityTextFeatures
{
    const int BatchSize = 256;
    readonly Dictionary<string, int> _rowOfSurface;
    readonly float[] _unit;

    EntityTextFeatures(Dictionary<string, int> rowOfSurface, float[] unit, int dim, bool fromCache)
    {
        _rowOfSurface = rowOfSurface;
        _unit = unit;
        Dim = dim;
        LoadedFromCache = fromCache;
    }

    public int Dim { get; }
    public int Count => _rowOfSurface.Count;
    public bool LoadedFromCache { get; }

    /// <summary>The unit feature vector of a surface form (as stored in the entity set).</summary>
    public ReadOnlySpan<float> Of(string surface) =>
        _rowOfSurface.TryGetValue(surface, out var row)
            ? _unit.AsSpan(row * Dim, Dim)
            : throw new KeyNotFoundException($"'{surface}' is not a surface form of the entity set.");

    /// <summary>Features computed in bf16 differ slightly from fp32 ones: each precision keeps its own cache file.</summary>
    static string PrecisionSuffix(VerifierModel model) =>
        model.Target.DType == TorchSharp.torch.ScalarType.Float32 ? "" : "-" + FiSAO.Models.Torch.TorchTarget.Name(model.Target.DType);

    public static EntityTextFeatures Build(VerifierModel model, EntitySet entities, RewardSettings settings,
        string dataDirectory, ILogger logger)
    {
        var surfaces = entities.Entries.Where(e => !e.IsBlocker).Select(e => e.Surface).Distinct().Order(StringComparer.Ordinal).ToList();
        var rows = surfaces.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var dim = model.EmbeddingDim;
        var cacheFile = Path.Combine(dataDirectory, "text-features",
            $"{Sanitize(model.ModelId)}-{entities.ContentHash[..16]}-{Hash(settings.MentionTemplate)[..8]}{PrecisionSuffix(model)}.f32");

        if (TryRead(cacheFile, surfaces.Count * dim) is { } cached)
        {
            logger.LogInformation("Entity text features: {Count} forms from {File}", surfaces.Count, cacheFile);
            return new EntityTextFeatures(rows, cached, dim, fromCache: true);
        }

        logger.LogInformation("Entity text features: encoding {Count} surface forms (once per model and entity set)...", surfaces.Count);
        var unit = new float[surfaces.Count * dim];
        var started = DateTime.UtcNow;
        for (int start = 0; start < surfaces.Count; start += BatchSize)
        {
            var chunk = surfaces.Skip(start).Take(BatchSize).Select(settings.FormatMention).ToList();
            var features = model.EncodeTexts(chunk);
            for (int i = 0; i < features.Length; i++) Normalize(features[i]).CopyTo(unit, (start + i) * dim);
            logger.LogInformation("Entity text features: {Done}/{Total} ({Seconds:F1} s)",
                Math.Min(start + BatchSize, surfaces.Count), surfaces.Count, (DateTime.UtcNow - started).TotalSeconds);
        }
        Write(cacheFile, unit, logger);
        return new EntityTextFeatures(rows, unit, dim, fromCache: false);
    }

    public static float[] Normalize(float[] v)
    {
        double norm = 0;
        foreach (var x in v) norm += (double)x * x;
        var inv = (float)(1 / Math.Sqrt(Math.Max(norm, 1e-24)));
        var unit = new float[v.Length];
        for (int i = 0; i < v.Length; i++) unit[i] = v[i] * inv;
        return unit;
    }

    static float[]? TryRead(string path, int count)
    {
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length != count * sizeof(float)) return null;
            var bytes = File.ReadAllBytes(path);
            var values = new float[count];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return values;
        }
        catch (IOException) { return null; }
    }

    static void Write(string path, float[] values, ILogger logger)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[values.Length * sizeof(float)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            // Write beside and rename: a concurrent reader sees the old state or the whole file, never half.
            var tmp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not cache entity text features at {Path}: {Message}", path, e.Message);
        }
    }

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    static string Sanitize(string id) => string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
