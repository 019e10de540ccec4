namespace FiSAO.Verifier.Model;

/// <summary>Where the built-in model's files are: an HF CLIP folder with its entity list and calibration.</summary>
public sealed record BuiltInModelAssets(string ModelDirectory)
{
    public string EntitiesPath => Path.Combine(ModelDirectory, BuiltInModel.EntitiesFileName);
    public string CalibrationPath => Path.Combine(ModelDirectory, BuiltInModel.CalibrationFileName);
}

/// <summary>
/// The verifier's built-in model (no <c>--model</c>): the shapes-world CLIP, its entity list and its calibration, shipped
/// ready in <c>BuiltInModel/v1-shapes-world</c> (built by <c>fisao-shapes build-verifier-model</c>, checked by a rebuild
/// test). On start it is installed into the data directory (<c>{data}/models/v1-shapes-world</c>), because the trainer
/// reuses the verifier's vision tower from the path GET /v1/info names and reads it from the shared volume. Installing is
/// a byte comparison of a few MB and, only when something differs, a copy into a temporary folder renamed into place, so
/// replicas starting together never see a half-written folder.
/// </summary>
public static class BuiltInModel
{
    public const string FolderName = "v1-shapes-world";
    public const string CalibrationFileName = "calibration.json";
    public const string EntitiesFileName = "entities.txt";

    /// <summary>The shipped folder next to the verifier's assembly.</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "BuiltInModel", FolderName);

    /// <summary>Installs the shipped folder into <paramref name="dataDirectory"/> when missing or different; returns the installed one.</summary>
    public static BuiltInModelAssets Install(string dataDirectory, string? shippedDirectory = null)
    {
        var source = shippedDirectory ?? ShippedDirectory;
        if (!File.Exists(Path.Combine(source, "config.json")))
            throw new DirectoryNotFoundException($"The built-in model is missing from '{source}' (a broken install: it ships with the verifier).");
        var parent = Path.Combine(Path.GetFullPath(dataDirectory), "models");
        var target = Path.Combine(parent, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));
        if (SameFiles(source, target)) return new BuiltInModelAssets(target);

        Directory.CreateDirectory(parent);
        var temporary = $"{target}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temporary);
        try
        {
            foreach (var file in Directory.EnumerateFiles(source))
                File.Copy(file, Path.Combine(temporary, Path.GetFileName(file)));
            if (Directory.Exists(target))
            {
                // An older version: moved aside first (a rename), then removed; a replica reading it keeps its open files.
                var old = $"{target}.old-{Environment.ProcessId}-{Guid.NewGuid():N}";
                try { Directory.Move(target, old); } catch (IOException) when (!Directory.Exists(target)) { }
                TryDelete(old);
            }
            try { Directory.Move(temporary, target); }
            catch (IOException) when (SameFiles(source, target)) { } // another replica installed it at the same moment
        }
        finally
        {
            TryDelete(temporary);
        }
        if (!SameFiles(source, target))
            throw new IOException($"Could not install the built-in model into '{target}'.");
        return new BuiltInModelAssets(target);
    }

    static bool SameFiles(string source, string target)
    {
        if (!Directory.Exists(target)) return false;
        var files = Directory.GetFiles(source);
        if (Directory.GetFiles(target).Length != files.Length) return false;
        foreach (var file in files)
        {
            var other = Path.Combine(target, Path.GetFileName(file));
            if (!File.Exists(other) || new FileInfo(other).Length != new FileInfo(file).Length) return false;
            if (!File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other))) return false;
        }
        return true;
    }

    static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
