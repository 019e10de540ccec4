using System.Security.Cryptography;
using System.Text;
using FiSAO.Rewards;

namespace FiSAO.Verifier.Calibrations;

/// <summary>
/// Applied calibrations as versioned artifacts in the data directory that replicas share (the Kubernetes PVC, the compose
/// volume): <c>{data}/calibrations/{setup}/{id}.json</c> (or under <c>Verifier:CalibrationDirectory</c>), and <c>active</c>, a one-line file naming the id every replica
/// serves. The id is a content hash, so the same baselines have the same id on every replica. <c>{setup}</c> hashes the
/// model id, entity-set hash and mention template: verifiers of other set-ups sharing the directory never see each
/// other's calibrations. Every file is written to a temporary name and renamed, so a reader sees it whole or not at all.
/// </summary>
public sealed class CalibrationStore
{
    public const string ActiveFileName = "active";

    /// <param name="root">The shared folder of all set-ups (<see cref="Hosting.VerifierOptions.CalibrationRoot"/>).</param>
    /// <param name="modelId">The verifier's model id; with the next two it names this set-up's subfolder.</param>
    /// <param name="entitySetHash">The entity set's content hash.</param>
    /// <param name="mentionTemplate">The template mentions are embedded with.</param>
    public CalibrationStore(string root, string modelId, string entitySetHash, string mentionTemplate)
    {
        var setup = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{modelId}\n{entitySetHash}\n{mentionTemplate}")))[..16];
        Directory = Path.Combine(Path.GetFullPath(root), setup);
    }

    /// <summary>This set-up's folder.</summary>
    public string Directory { get; }

    string ActivePath => Path.Combine(Directory, ActiveFileName);

    /// <summary>The calibration's id: the first 16 hex digits of SHA-256 over its canonical JSON.</summary>
    public static string IdOf(Calibration calibration) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(calibration.ToJson())))[..16];

    /// <summary>Writes the calibration (if new) and makes it the active one; returns its id.</summary>
    public string Publish(Calibration calibration)
    {
        var id = IdOf(calibration);
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(id);
        if (!File.Exists(path)) WriteAtomically(path, calibration.ToJson());
        WriteAtomically(ActivePath, id + "\n");
        return id;
    }

    /// <summary>The id the <c>active</c> file names, or null when none was applied yet.</summary>
    public string? ReadActiveId()
    {
        try
        {
            var id = File.ReadAllText(ActivePath).Trim();
            return IsWellFormed(id) ? id : null;
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>The stored calibration with this id, or null when there is none.</summary>
    public Calibration? TryLoad(string id)
    {
        if (!IsWellFormed(id)) return null;
        var path = PathOf(id);
        return File.Exists(path) ? Calibration.Load(path) : null;
    }

    public static bool IsWellFormed(string id) => id.Length == 16 && id.All(char.IsAsciiHexDigitLower);

    string PathOf(string id) => Path.Combine(Directory, id + ".json");

    static void WriteAtomically(string path, string text)
    {
        var temporary = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
