using System.Text.Json;
using System.Text.Json.Serialization;
using FiSAO.Trainer.Configuration;

namespace FiSAO.Trainer.Checkpoints;

/// <summary>state.json of a checkpoint: where the run is.</summary>
public sealed record CheckpointState
{
    /// <summary>Steps done; the resumed run starts with step <c>StepsDone + 1</c>.</summary>
    [JsonPropertyName("steps_done")] public int StepsDone { get; init; }

    /// <summary>Data position of the next step's first sample.</summary>
    [JsonPropertyName("data_position")] public long DataPosition { get; init; }

    [JsonPropertyName("seed")] public long Seed { get; init; }

    [JsonPropertyName("advantage_mode")] public AdvantageMode AdvantageMode { get; init; }

    [JsonPropertyName("sentence_mean")] public double SentenceMean { get; init; }
    [JsonPropertyName("sentence_variance")] public double SentenceVariance { get; init; } = 1;
    [JsonPropertyName("sentence_count")] public long SentenceCount { get; init; }

    [JsonPropertyName("created_utc")] public DateTime CreatedUtc { get; init; }
}

/// <summary>
/// The checkpoint folder layout, written atomically: everything goes into a temporary sibling folder, which is renamed
/// to <c>checkpoints/step-NNNNNN</c> only when complete (a rename within one file system is atomic), and then the
/// <c>latest</c> pointer file is replaced by rename too. A run killed at any moment leaves either the previous
/// checkpoint or the new one, never half of one.
/// <code>
/// checkpoints/step-000010/
///   adapters/adapter_config.json, adapter_model.safetensors   PEFT LoRA adapters (pi_theta)
///   value_head.safetensors                                    gae mode only
///   optimizer.bin                                             AdamW state (TorchSharp format)
///   rng.bin                                                   libtorch's CPU generator state (LoRA dropout)
///   metrics.csv                                               every step's metrics so far
///   state.json                                                steps done, data position, seed, reward normaliser
/// checkpoints/latest                                          "step-000010"
/// </code>
/// </summary>
public static class TrainerCheckpoint
{
    public const string LatestFileName = "latest";
    public const string StateFileName = "state.json";
    public const string AdaptersFolder = "adapters";
    public const string OptimizerFileName = "optimizer.bin";
    public const string RngFileName = "rng.bin";
    public const string ValueHeadFileName = "value_head.safetensors";
    public const string MetricsFileName = "metrics.csv";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string Root(string outputDirectory) => Path.Combine(outputDirectory, "checkpoints");

    public static string Name(int stepsDone) => $"step-{stepsDone:D6}";

    /// <summary>Writes a checkpoint with <paramref name="write"/> filling the temporary folder; returns its final path.</summary>
    public static string Save(string outputDirectory, CheckpointState state, Action<string> write, int keep)
    {
        var root = Directory.CreateDirectory(Root(outputDirectory)).FullName;
        var name = Name(state.StepsDone);
        var final = Path.Combine(root, name);
        var temp = Path.Combine(root, $".tmp-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            write(temp);
            File.WriteAllText(Path.Combine(temp, StateFileName), JsonSerializer.Serialize(state, Json));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true); // a re-run of the same step after a resume
            Directory.Move(temp, final);
        }
        catch
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
        var pointer = Path.Combine(root, LatestFileName);
        var pointerTemp = pointer + $".tmp-{Guid.NewGuid():N}";
        File.WriteAllText(pointerTemp, name);
        File.Move(pointerTemp, pointer, overwrite: true);
        Prune(root, keep, name);
        return final;
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public static string? FindLatest(string outputDirectory)
    {
        var root = Root(outputDirectory);
        if (!Directory.Exists(root)) return null;
        var pointer = Path.Combine(root, LatestFileName);
        if (File.Exists(pointer))
        {
            var named = Path.Combine(root, File.ReadAllText(pointer).Trim());
            if (File.Exists(Path.Combine(named, StateFileName))) return named;
        }
        // No pointer (killed between the rename and the pointer update): the highest complete step folder.
        return Directory.GetDirectories(root, "step-*")
            .Where(d => File.Exists(Path.Combine(d, StateFileName)))
            .OrderBy(d => d, StringComparer.Ordinal)
            .LastOrDefault();
    }

    public static CheckpointState ReadState(string checkpoint) =>
        JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(checkpoint, StateFileName)))
        ?? throw new InvalidDataException($"{checkpoint}/{StateFileName} is empty.");

    private static void Prune(string root, int keep, string newest)
    {
        foreach (var stale in Directory.GetDirectories(root, ".tmp-*"))
            try { Directory.Delete(stale, recursive: true); } catch (IOException) { }
        var complete = Directory.GetDirectories(root, "step-*").OrderBy(d => d, StringComparer.Ordinal).ToList();
        foreach (var old in complete.Take(Math.Max(0, complete.Count - keep)))
            if (Path.GetFileName(old) != newest)
                try { Directory.Delete(old, recursive: true); } catch (IOException) { }
    }
}
