using FiSAO.Rewards.Entities.Building;

namespace FiSAO.Rewards.Tests.Entities;

/// <summary>Locates the builder's inputs: the reference data (FISAO_DATA_DIR, or a <c>shared/data</c> folder in the
/// repository or beside it) and WordNet 3.0 (FISAO_WORDNET_DIR, default /usr/share/wordnet).</summary>
internal static class BuilderInputs
{
    public static string WordNetDirectory { get; } =
        Environment.GetEnvironmentVariable("FISAO_WORDNET_DIR") is { Length: > 0 } d ? d : "/usr/share/wordnet";

    public static string? DataDirectory { get; } = FindDataDirectory();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string CommittedTablePath => Path.Combine(RepositoryRoot, "services", "FiSAO.Rewards", "Data", "entity-set.tsv");

    public static string? MissingReason =>
        DataDirectory is null ? "reference data (lvis_v1_categories.json, chair_synonyms.txt) not found: set FISAO_DATA_DIR"
        : !WordNetDatabase.Exists(WordNetDirectory) ? $"WordNet 3.0 not found in {WordNetDirectory} (apt-get install wordnet-base, or set FISAO_WORDNET_DIR)"
        : null;

    public static EntitySetBuilderInputs Inputs => EntitySetBuilderInputs.FromDirectories(DataDirectory!, WordNetDirectory);

    private static string? FindDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("FISAO_DATA_DIR") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "data"), Path.Combine(dir.FullName, "data") })
                if (File.Exists(Path.Combine(candidate, "lvis_v1_categories.json")) && File.Exists(Path.Combine(candidate, "chair_synonyms.txt")))
                    return candidate;
        }
        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "services", "FiSAO.Rewards", "FiSAO.Rewards.csproj"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (services/FiSAO.Rewards) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs the builder's inputs; it is reported as skipped (with the reason) when they are absent.</summary>
public sealed class BuilderInputsFactAttribute : FactAttribute
{
    public BuilderInputsFactAttribute()
    {
        if (BuilderInputs.MissingReason is { } reason) Skip = reason;
    }
}
