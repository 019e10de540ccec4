using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.SafeTensors;

/// <summary>
/// A safetensors file opened for random access: the header is parsed once, tensor data is read per key on demand,
/// so one can take e.g. the vision tower out of a 14 GB checkpoint without touching the rest.
/// Layout: 8-byte little-endian header length N, N bytes of JSON header, then the data section that
/// <c>data_offsets</c> index into.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    // The reference implementation refuses headers above 100 MB; a larger value means a corrupt or foreign file.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private long _dataBytesRead;

    private SafeTensorsFile(string path, SafeFileHandle handle, long dataStart,
        Dictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The optional <c>__metadata__</c> string map of the header.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyCollection<string> Keys => _tensors.Keys;

    /// <summary>Bytes of tensor data read so far (header excluded): lets callers and tests see that only selected keys were read.</summary>
    public long DataBytesRead => Interlocked.Read(ref _dataBytesRead);

    public bool Contains(string key) => _tensors.ContainsKey(key);

    public SafeTensorInfo GetInfo(string key) =>
        _tensors.TryGetValue(key, out var info)
            ? info
            : throw new KeyNotFoundException($"Tensor '{key}' is not in {Path}.");

    public static SafeTensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            Span<byte> lengthBytes = stackalloc byte[8];
            if (fileLength < 8 || RandomAccess.Read(handle, lengthBytes, 0) != 8)
                throw Corrupt(path, $"truncated: {fileLength} bytes, shorter than the 8-byte header length");
            var headerLength = BitConverter.ToUInt64(lengthBytes);
            if (headerLength > MaxHeaderBytes)
                throw Corrupt(path, $"header length {headerLength} is implausible (limit {MaxHeaderBytes}); not a safetensors file?");
            if (8 + (long)headerLength > fileLength)
                throw Corrupt(path, $"truncated: header declares {headerLength} bytes but the file has only {fileLength - 8} after the length");

            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            var dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(header, path, fileLength - dataStart);
            return new SafeTensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one tensor into a new CPU tensor of the file's dtype, then converts it to <paramref name="dtype"/> and
    /// moves it to <paramref name="device"/> when given. Only F32/F16/BF16 are accepted.
    /// </summary>
    public Tensor Read(string key, ScalarType? dtype = null, Device? device = null)
    {
        var info = GetInfo(key);
        var sourceType = SafeTensorDTypes.ToScalarType(info.DType, key);
        var tensor = torch.empty(info.Shape, sourceType, torch.CPU);
        try
        {
            // Read straight into the tensor's storage; .NET spans stop at 2 GB, so go chunk by chunk.
            using (var flat = tensor.view(-1))
            {
                var elementSize = info.ElementCount == 0 ? 1 : info.ByteLength / info.ElementCount;
                var chunkElements = (int.MaxValue / elementSize) & ~4095L;
                var offset = _dataStart + info.Begin;
                for (long start = 0; start < info.ElementCount; start += chunkElements)
                {
                    using var chunk = flat.narrow(0, start, Math.Min(chunkElements, info.ElementCount - start));
                    var span = chunk.bytes;
                    ReadExactly(_handle, span, offset, Path);
                    offset += span.Length;
                }
            }
            Interlocked.Add(ref _dataBytesRead, info.ByteLength);

            var targetType = dtype ?? sourceType;
            var targetDevice = device ?? torch.CPU;
            if (targetType == sourceType && targetDevice.type == DeviceType.CPU)
                return tensor;
            var converted = tensor.to(targetType, targetDevice);
            tensor.Dispose();
            return converted;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    private static (Dictionary<string, SafeTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        byte[] header, string path, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, "header JSON is not an object");

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Corrupt(path, "__metadata__ is not an object");
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors.Add(property.Name, ParseEntry(property.Name, property.Value, path, dataLength));
            }
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string name, JsonElement entry, string path, long dataLength)
    {
        try
        {
            var dtype = entry.GetProperty("dtype").GetString() ?? throw new FormatException("dtype is null");
            var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new FormatException($"data_offsets [{string.Join(", ", offsets)}] are not a valid [begin, end] pair");
            if (shape.Any(d => d < 0))
                throw new FormatException($"shape {SafeTensorDTypes.FormatShape(shape)} has a negative dimension");

            var info = new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
            if (SafeTensorDTypes.TryGetElementSize(dtype, out var size) && info.ElementCount * size != info.ByteLength)
                throw new FormatException(
                    $"{dtype} {info.ShapeText} needs {info.ElementCount * size} bytes but data_offsets span {info.ByteLength}");
            if (info.End > dataLength)
                throw new FormatException($"truncated: data ends at byte {info.End} but the data section has only {dataLength} bytes");
            return info;
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw Corrupt(path, $"bad header entry for tensor '{name}': {e.Message}");
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw Corrupt(path, $"truncated: unexpected end of file at byte {offset}");
            buffer = buffer[n..];
            offset += n;
        }
    }

    private static InvalidDataException Corrupt(string path, string why) =>
        new($"Corrupt safetensors file '{path}': {why}.");
}
