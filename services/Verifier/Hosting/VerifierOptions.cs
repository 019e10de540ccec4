using System.ComponentModel.DataAnnotations;

namespace FiSAO.Verifier.Hosting;

/// <summary>Everything the verifier reads from configuration (section "Verifier"; command line, appsettings,
/// environment variables such as <c>Verifier__ModelPath</c>).</summary>
public sealed class VerifierOptions
{
    public const string Section = "Verifier";

    /// <summary>HF CLIP folder (config.json, *.safetensors, vocab.json, merges.txt, preprocessor_config.json). Empty: the
    /// built-in shapes-world model, shipped with the verifier and installed into <see cref="DataDirectory"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Calibration JSON (Eq. 7 baselines). Without one the service scores but rewards are 0.</summary>
    public string? CalibrationPath { get; set; }

    /// <summary>Entity list replacing the built-in LVIS/COCO entity set.</summary>
    public string? EntitiesPath { get; set; }

    /// <summary>Where derived artefacts live: the entity text-feature cache and the installed built-in model.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    public string Device { get; set; } = "cpu";
    public string DType { get; set; } = "fp32";

    /// <summary>libtorch intra-op threads; 0 = all cores.</summary>
    [Range(0, 1024)] public int TorchThreads { get; set; }

    /// <summary>Required in the <c>x-api-key</c> header / metadata on every call but health, when set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>CA certificate (PEM) that issued the clients' certificates: when set, every TLS endpoint (standard Kestrel
    /// configuration, <c>Kestrel:Endpoints:Https:Certificate:Path</c> / <c>KeyPath</c>) requires a client certificate that
    /// chains to it (mutual TLS).</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>When set, Calibrate with apply (which changes the calibration every replica serves) must carry it in the
    /// <c>x-admin-key</c> header / metadata; without it the call is PERMISSION_DENIED. Reading and scoring need only
    /// <see cref="ApiKey"/>.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Where applied calibrations are stored and shared by the replicas; empty: <c>{DataDirectory}/calibrations</c>.</summary>
    public string? CalibrationDirectory { get; set; }

    /// <summary>The calibration store's folder.</summary>
    public string CalibrationRoot => string.IsNullOrWhiteSpace(CalibrationDirectory)
        ? Path.Combine(DataDirectory, "calibrations") : CalibrationDirectory;

    /// <summary>How often a replica checks the data directory for a calibration another replica applied.</summary>
    [Range(50, 60_000)] public int CalibrationPollMs { get; set; } = 1000;

    public LimitsOptions Limits { get; set; } = new();
    public BatchingOptions Batching { get; set; } = new();

    [Range(1, 1_000_000)] public int ImageCacheCapacity { get; set; } = 4096;

    /// <summary>A copy with other model, entity-list and calibration paths.</summary>
    public VerifierOptions With(string modelPath, string? entitiesPath, string? calibrationPath)
    {
        var copy = (VerifierOptions)MemberwiseClone();
        copy.ModelPath = modelPath;
        copy.EntitiesPath = entitiesPath;
        copy.CalibrationPath = calibrationPath;
        return copy;
    }

    static string DefaultDataDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "fisao");
}

public sealed class LimitsOptions
{
    /// <summary>Largest gRPC message and REST body. Default fits a batch of 32 PNG images of 336 px
    /// (worst case about 340 KB each) plus tokens: 64 MiB.</summary>
    [Range(1024, int.MaxValue)] public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest encoded image.</summary>
    [Range(1, int.MaxValue)] public int MaxImageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest decoded image (width x height), checked from the header before decoding.</summary>
    [Range(1, long.MaxValue)] public long MaxImagePixels { get; set; } = 40_000_000;

    [Range(1, 1_000_000)] public int MaxTokens { get; set; } = 4096;

    [Range(1, 100_000)] public int MaxBatchItems { get; set; } = 1024;
}

public sealed class BatchingOptions
{
    /// <summary>Most images encoded in one forward pass.</summary>
    [Range(1, 1024)] public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long the first image of a batch waits for company.</summary>
    [Range(0, 10_000)] public int MaxQueueDelayMs { get; set; } = 5;

    /// <summary>Images waiting to be encoded; beyond it callers get RESOURCE_EXHAUSTED / 429 at once.</summary>
    [Range(1, 1_000_000)] public int QueueCapacity { get; set; } = 256;

    /// <summary>Run the encoder once per image (and per text) instead of once per batch, so that a score does not depend
    /// on what else was in flight: libtorch's kernels may sum in another order for another batch size, which moves
    /// features in their last bits and makes training runs against a busy verifier irreproducible. Costs throughput
    /// (README, benchmarks); the queue still gathers work so the inference thread wakes once per batch.</summary>
    public bool BatchInvariant { get; set; }
}
