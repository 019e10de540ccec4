using System.Text.Json;
using FiSAO.Models.SafeTensors;
using static TorchSharp.torch;

namespace FiSAO.Models.Checkpoints;

/// <summary>
/// The weights of a HuggingFace checkpoint folder: either one <c>model.safetensors</c> or shards listed by
/// <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name -> shard file). Shards are opened lazily and
/// only their headers are parsed until a tensor is read, so selecting a few keys stays cheap on large checkpoints.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, string> _fileOfKey;
    private readonly Dictionary<string, SafeTensorsFile> _openFiles = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    private SafeTensorsCheckpoint(string directory, Dictionary<string, string> fileOfKey)
    {
        Directory = directory;
        _fileOfKey = fileOfKey;
    }

    public string Directory { get; }

    public IReadOnlyCollection<string> Keys => _fileOfKey.Keys;

    /// <summary>Shard files opened so far (file names relative to <see cref="Directory"/>).</summary>
    public IReadOnlyCollection<string> OpenedFiles
    {
        get { lock (_gate) return _openFiles.Keys.ToArray(); }
    }

    /// <summary>Tensor bytes read so far over all shards.</summary>
    public long DataBytesRead
    {
        get { lock (_gate) return _openFiles.Values.Sum(f => f.DataBytesRead); }
    }

    public static SafeTensorsCheckpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint folder '{directory}' does not exist.");

        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
            return new SafeTensorsCheckpoint(directory, ReadWeightMap(indexPath, directory));

        var singlePath = Path.Combine(directory, SingleFileName);
        if (File.Exists(singlePath))
        {
            using var file = SafeTensorsFile.Open(singlePath);
            return new SafeTensorsCheckpoint(directory, file.Keys.ToDictionary(k => k, _ => SingleFileName, StringComparer.Ordinal));
        }

        throw new FileNotFoundException(
            $"Checkpoint folder '{directory}' has neither {SingleFileName} nor {IndexFileName} " +
            "(PyTorch .bin checkpoints are not supported; convert them to safetensors).");
    }

    public bool Contains(string key) => _fileOfKey.ContainsKey(key);

    public SafeTensorInfo GetInfo(string key) => FileOf(key).GetInfo(key);

    /// <summary>Reads one tensor, converted to <paramref name="dtype"/> and moved to <paramref name="device"/> when given.</summary>
    public Tensor Read(string key, ScalarType? dtype = null, Device? device = null) => FileOf(key).Read(key, dtype, device);

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var f in _openFiles.Values) f.Dispose();
            _openFiles.Clear();
        }
    }

    private SafeTensorsFile FileOf(string key)
    {
        if (!_fileOfKey.TryGetValue(key, out var fileName))
            throw new KeyNotFoundException($"Tensor '{key}' is not in checkpoint '{Directory}'.");
        SafeTensorsFile file;
        lock (_gate)
        {
            if (!_openFiles.TryGetValue(fileName, out file!))
            {
                var path = Path.Combine(Directory, fileName);
                if (!File.Exists(path))
                    throw new FileNotFoundException($"{IndexFileName} in '{Directory}' lists shard '{fileName}', which does not exist.", path);
                file = SafeTensorsFile.Open(path);
                _openFiles.Add(fileName, file);
            }
        }
        if (!file.Contains(key))
            throw new InvalidDataException($"{IndexFileName} in '{Directory}' maps tensor '{key}' to '{fileName}', but that file has no such tensor.");
        return file;
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath, string directory)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{indexPath}' has no weight_map object.");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var file = entry.Value.GetString();
                // Shards must sit inside the folder; refuse paths that would escape it.
                if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file) || file.Contains("..", StringComparison.Ordinal))
                    throw new InvalidDataException($"'{indexPath}' maps '{entry.Name}' to an invalid shard name '{file}'.");
                result[entry.Name] = file;
            }
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{indexPath}' is not valid JSON ({e.Message}).", e);
        }
    }
}
