using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Client.Testing;

/// <summary>
/// One tiny random HF CLIP folder (<see cref="TinyClipFolder"/>) and one data directory per test process, shared by
/// every verifier the tests start: the first start computes the entity text features and caches them there, later
/// starts (restarts included) load them in a moment.
/// </summary>
public static class TinyVerifierModel
{
    static readonly Lazy<(string Model, string Data)> Folders = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ModelDirectory => Folders.Value.Model;
    public static string DataDirectory => Folders.Value.Data;

    /// <summary>Starts a verifier on the shared tiny model.</summary>
    public static Task<VerifierProcess> StartVerifierAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        VerifierProcess.StartAsync(ModelDirectory, DataDirectory, settings);

    static (string, string) Create()
    {
        var root = Path.Combine(Path.GetTempPath(), "fisao-client-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        var model = TinyClipFolder.Write(Path.Combine(root, "tiny-clip"));
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return (model, data);
    }
}
