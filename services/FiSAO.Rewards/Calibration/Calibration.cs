using System.Globalization;

namespace FiSAO.Rewards;

/// <summary>
/// The baselines of Eq. 7 and the score bounds of Eq. 8, measured on a calibration set of generated
/// responses whose images have ground-truth object labels, with where they came from.
/// Serialised as JSON with snake_case names (<c>mu_gt</c>, <c>mu_hal</c>, <c>s_min</c>, <c>s_max</c>, ...):
/// see <see cref="Save"/>, <see cref="Load"/> and docs/rewards.md. Build one with <see cref="CalibrationBuilder"/>.
/// </summary>
public sealed record Calibration
{
    /// <summary>The JSON format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>mu_gt: mean score S of mentions of objects that are in the image.</summary>
    public required double MuGt { get; init; }

    /// <summary>mu_hal: mean score S of hallucinated mentions.</summary>
    public required double MuHal { get; init; }

    /// <summary>Smallest score seen in calibration (over both classes); the default S_min of Eq. 8.</summary>
    public required double SMin { get; init; }

    /// <summary>Largest score seen in calibration (over both classes); the default S_max of Eq. 8.</summary>
    public required double SMax { get; init; }

    /// <summary>Number of correct mentions behind <see cref="MuGt"/> (at least 1).</summary>
    public required long CorrectCount { get; init; }

    /// <summary>Number of hallucinated mentions behind <see cref="MuHal"/> (at least 1).</summary>
    public required long HallucinatedCount { get; init; }

    /// <summary>Population standard deviation of correct mentions' scores (report only).</summary>
    public double? StdGt { get; init; }

    /// <summary>Population standard deviation of hallucinated mentions' scores (report only).</summary>
    public double? StdHal { get; init; }

    /// <summary>AUROC of S separating correct (positive) from hallucinated mentions (report only).</summary>
    public double? Auroc { get; init; }

    /// <summary>Score histograms of both classes over common bins (report only; the paper's Figure 1).</summary>
    public CalibrationHistogram? Histogram { get; init; }

    /// <summary>Identifier of the CLIP model that produced the scores.</summary>
    public string? ModelId { get; init; }

    /// <summary>Hash of the entity set used to find mentions.</summary>
    public string? EntitySetHash { get; init; }

    /// <summary>The mention template the scores were computed with (e.g. <c>"{}"</c>).</summary>
    public string? MentionTemplate { get; init; }

    /// <summary>When the calibration was made (UTC).</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    /// <summary>True when hallucinated mentions scored higher on average than correct ones (mu_hal &gt; mu_gt).</summary>
    public bool IsInverted => MuHal > MuGt;

    /// <summary>mu_gt - mu_hal: how far apart the two classes' means are.</summary>
    public double Separation => MuGt - MuHal;

    /// <summary>Every internal inconsistency, one sentence each (snake_case field names); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var finite = true;
        foreach (var (name, value) in new[] { ("mu_gt", MuGt), ("mu_hal", MuHal), ("s_min", SMin), ("s_max", SMax) })
        {
            if (!double.IsFinite(value))
            {
                errors.Add($"{name} must be a finite number; got {F(value)}.");
                finite = false;
            }
        }

        if (CorrectCount < 1)
        {
            errors.Add($"correct_count must be >= 1 (mu_gt is a mean over correct mentions); got {CorrectCount}.");
        }

        if (HallucinatedCount < 1)
        {
            errors.Add($"hallucinated_count must be >= 1 (mu_hal is a mean over hallucinated mentions); got {HallucinatedCount}.");
        }

        if (finite)
        {
            if (SMin > SMax)
            {
                errors.Add($"s_min ({F(SMin)}) > s_max ({F(SMax)}).");
            }
            else
            {
                if (MuGt < SMin || MuGt > SMax)
                {
                    errors.Add($"mu_gt ({F(MuGt)}) lies outside [s_min, s_max] = [{F(SMin)}, {F(SMax)}]; a mean of calibration scores cannot.");
                }

                if (MuHal < SMin || MuHal > SMax)
                {
                    errors.Add($"mu_hal ({F(MuHal)}) lies outside [s_min, s_max] = [{F(SMin)}, {F(SMax)}]; a mean of calibration scores cannot.");
                }
            }
        }

        foreach (var (name, value) in new[] { ("std_gt", StdGt), ("std_hal", StdHal) })
        {
            if (value is { } v && (!double.IsFinite(v) || v < 0))
            {
                errors.Add($"{name} must be a finite number >= 0; got {F(v)}.");
            }
        }

        if (Auroc is { } auc && (!double.IsFinite(auc) || auc < 0 || auc > 1))
        {
            errors.Add($"auroc must lie in [0, 1]; got {F(auc)}.");
        }

        if (Histogram is { } h)
        {
            errors.AddRange(h.Validate(CorrectCount, HallucinatedCount));
        }

        if (MentionTemplate is not null && MentionTemplate.Split(RewardSettings.Placeholder).Length != 2)
        {
            errors.Add($"mention_template \"{MentionTemplate}\" must contain \"{RewardSettings.Placeholder}\" exactly once.");
        }

        return errors;
    }

    /// <summary>
    /// Provenance fields that contradict what the caller expects (a null expectation or a null recorded value is
    /// not a mismatch). The verifier calls this with its model id, entity set hash and template.
    /// </summary>
    public IReadOnlyList<string> FindProvenanceMismatches(string? modelId, string? entitySetHash, string? mentionTemplate)
    {
        var mismatches = new List<string>();
        Check("model_id", ModelId, modelId);
        Check("entity_set_hash", EntitySetHash, entitySetHash);
        Check("mention_template", MentionTemplate, mentionTemplate);
        return mismatches;

        void Check(string name, string? recorded, string? expected)
        {
            if (recorded is not null && expected is not null && !string.Equals(recorded, expected, StringComparison.Ordinal))
            {
                mismatches.Add($"calibration {name} is \"{recorded}\" but the current one is \"{expected}\".");
            }
        }
    }

    /// <summary>Writes this calibration as indented JSON to <paramref name="path"/> (via a temporary file, then a move).</summary>
    public void Save(string path) => CalibrationJson.Save(this, path);

    /// <summary>This calibration as indented JSON.</summary>
    public string ToJson() => CalibrationJson.Serialize(this);

    /// <summary>Reads a calibration file.</summary>
    /// <exception cref="CalibrationLoadException">The file is missing, not JSON, lacks a field, has a field of the wrong type, or is inconsistent; the message names the file and the problem.</exception>
    public static Calibration Load(string path) => CalibrationJson.Load(path);

    /// <summary>Parses calibration JSON; <paramref name="sourceName"/> names the source in error messages.</summary>
    /// <exception cref="CalibrationLoadException">See <see cref="Load"/>.</exception>
    public static Calibration Parse(string json, string sourceName = "<string>") => CalibrationJson.Parse(json, sourceName);

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Histograms of correct and hallucinated mentions' scores over the same <see cref="Correct"/>.Length
/// equal-width bins on [<see cref="Min"/>, <see cref="Max"/>] (the last bin includes Max). Equality compares contents.
/// </summary>
public sealed record CalibrationHistogram(double Min, double Max, IReadOnlyList<long> Correct, IReadOnlyList<long> Hallucinated)
{
    public int BinCount => Correct.Count;

    public double BinLowerEdge(int bin) => Min + bin * (Max - Min) / BinCount;

    public bool Equals(CalibrationHistogram? other) =>
        other is not null &&
        Min.Equals(other.Min) &&
        Max.Equals(other.Max) &&
        Correct.SequenceEqual(other.Correct) &&
        Hallucinated.SequenceEqual(other.Hallucinated);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Min);
        hash.Add(Max);
        foreach (var c in Correct)
        {
            hash.Add(c);
        }

        foreach (var c in Hallucinated)
        {
            hash.Add(c);
        }

        return hash.ToHashCode();
    }

    internal IEnumerable<string> Validate(long correctCount, long hallucinatedCount)
    {
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || Min >= Max)
        {
            yield return $"histogram needs finite min < max; got [{Min.ToString("R", CultureInfo.InvariantCulture)}, {Max.ToString("R", CultureInfo.InvariantCulture)}].";
        }

        if (Correct is null || Hallucinated is null || Correct.Count == 0 || Correct.Count != Hallucinated.Count)
        {
            yield return "histogram needs the same number (>= 1) of bins for correct and hallucinated.";
            yield break;
        }

        if (Correct.Any(c => c < 0) || Hallucinated.Any(c => c < 0))
        {
            yield return "histogram counts must be >= 0.";
        }

        if (Correct.Sum() != correctCount || Hallucinated.Sum() != hallucinatedCount)
        {
            yield return $"histogram counts ({Correct.Sum()} correct, {Hallucinated.Sum()} hallucinated) do not add up to " +
                         $"correct_count ({correctCount}) and hallucinated_count ({hallucinatedCount}).";
        }
    }
}

/// <summary>A calibration is unusable for rewards; <see cref="Errors"/> lists why.</summary>
public sealed class InvalidCalibrationException : Exception
{
    public InvalidCalibrationException(IReadOnlyList<string> errors)
        : base("Unusable calibration: " + string.Join(" ", errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>A calibration file or string could not be loaded. The message names the source and the problem.</summary>
public sealed class CalibrationLoadException : Exception
{
    public CalibrationLoadException(string source, string problem, Exception? inner = null)
        : base($"Cannot load calibration from '{source}': {problem}", inner)
    {
        SourceName = source;
        Problem = problem;
    }

    /// <summary>The file path (or source name) that failed.</summary>
    public string SourceName { get; }

    /// <summary>What was wrong, without the source name.</summary>
    public string Problem { get; }
}
