using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// Writes a safetensors file the way PEFT's <c>save_pretrained</c> does (<c>__metadata__ = {"format": "pt"}</c>),
/// tensors in name order, header padded with spaces to 8 bytes. F32, F16 and BF16 only.
/// </summary>
internal static class PeftSafetensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var items = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in items)
        {
            using var cpu = tensor.detach().contiguous().to(CPU);
            var bytes = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(cpu.dtype, name),
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.LongLength),
            };
            offset += bytes.LongLength;
            blobs.Add(bytes);
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8;
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)padded));
        stream.Write(headerBytes);
        for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var blob in blobs) stream.Write(blob);
    }

    private static string DTypeName(ScalarType dtype, string name) => dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        _ => throw new NotSupportedException($"Cannot write '{name}' of dtype {dtype}; adapters are F32, F16 or BF16."),
    };
}
