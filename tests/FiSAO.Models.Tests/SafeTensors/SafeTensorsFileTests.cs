using System.Text;
using FiSAO.Models.SafeTensors;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Header + data assembled by hand: padded JSON header, F32/F16/BF16 values written as raw little-endian bytes.</summary>
    [Fact]
    public void Reads_a_hand_made_file_byte_by_byte()
    {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}," +
                     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                     "\"b\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[8,12]}," +
                     "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[12,14]}}";
        header = header.PadRight((header.Length + 7) / 8 * 8); // HF pads the header with spaces to 8 bytes
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange([0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]); // F32 1.5, -2.0
        bytes.AddRange([0x00, 0x3C, 0x00, 0xB8]);                         // F16 1.0, -0.5
        bytes.AddRange([0x40, 0x40]);                                     // BF16 3.0 (top half of 0x40400000)
        var path = _dir.Sub("hand.safetensors");
        File.WriteAllBytes(path, bytes.ToArray());

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(new[] { "a", "b", "c" }, file.Keys.Order());
        Assert.Equal("pt", file.Metadata["format"]);
        var info = file.GetInfo("b");
        Assert.Equal(("F16", 8L, 12L, 2L), (info.DType, info.Begin, info.End, info.ElementCount));
        Assert.Equal(new long[] { 1, 2 }, info.Shape);

        using var a = file.Read("a");
        using var b = file.Read("b");
        using var c = file.Read("c");
        Assert.Equal(ScalarType.Float32, a.dtype);
        Assert.Equal(new[] { 1.5f, -2f }, a.data<float>().ToArray());
        Assert.Equal(ScalarType.Float16, b.dtype);
        Assert.Equal(new long[] { 1, 2 }, b.shape);
        Assert.Equal(new[] { 1f, -0.5f }, TensorAssert.ToFloats(b));
        Assert.Equal(ScalarType.BFloat16, c.dtype);
        Assert.Empty(c.shape);
        Assert.Equal(3f, TensorAssert.ToFloats(c).Single());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Reads_back_exactly_what_PyBridge_wrote(ScalarType dtype)
    {
        torch.manual_seed(7);
        using var x = torch.randn(3, 5, 7).to(dtype);
        using var y = torch.randn(11).to(dtype);
        var path = _dir.Sub("pybridge.safetensors");
        TinyClipCheckpoint.WriteSafetensors(path, [("layer.x", x), ("layer.y", y)]);

        using var file = SafeTensorsFile.Open(path);
        using var rx = file.Read("layer.x");
        using var ry = file.Read("layer.y");
        Assert.Equal(dtype, rx.dtype);
        Assert.Equal(x.shape, rx.shape);
        Assert.True(TensorAssert.Same(rx, x));
        Assert.True(TensorAssert.Same(ry, y));
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Converts_half_precision_to_the_requested_dtype(ScalarType stored)
    {
        using var x = torch.linspace(-3, 3, 17).to(stored);
        var path = _dir.Sub("half.safetensors");
        TinyClipCheckpoint.WriteSafetensors(path, [("w", x)]);

        using var file = SafeTensorsFile.Open(path);
        using var read = file.Read("w", ScalarType.Float32, torch.CPU);
        Assert.Equal(ScalarType.Float32, read.dtype);
        Assert.Equal(TensorAssert.ToFloats(x), read.data<float>().ToArray());
    }

    [Fact]
    public void Reads_only_the_selected_tensors_bytes()
    {
        using var big = torch.zeros(1000, 100);
        using var small = torch.ones(3);
        var path = _dir.Sub("select.safetensors");
        TinyClipCheckpoint.WriteSafetensors(path, [("big", big), ("small", small)]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(0, file.DataBytesRead);
        using var read = file.Read("small");
        Assert.Equal(new[] { 1f, 1f, 1f }, read.data<float>().ToArray());
        Assert.Equal(12, file.DataBytesRead);
    }

    [Fact]
    public void Unsupported_dtype_error_names_the_tensor_and_dtype()
    {
        using var ids = torch.arange(5, ScalarType.Int64);
        var path = _dir.Sub("int.safetensors");
        TinyClipCheckpoint.WriteSafetensors(path, [("position_ids", ids)]);

        using var file = SafeTensorsFile.Open(path); // headers of any dtype are fine
        Assert.Equal("I64", file.GetInfo("position_ids").DType);
        var e = Assert.Throws<NotSupportedException>(() => file.Read("position_ids"));
        Assert.Contains("'position_ids'", e.Message);
        Assert.Contains("I64", e.Message);
    }

    [Fact]
    public void Truncated_data_is_a_clear_error()
    {
        using var x = torch.ones(64);
        var path = _dir.Sub("cut.safetensors");
        TinyClipCheckpoint.WriteSafetensors(path, [("x", x)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);

        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("'x'", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 100, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "truncated")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 1, 0, 0, (byte)'{', (byte)'}' }, "implausible")]
    [InlineData(new byte[] { 5, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'n', (byte)'o', (byte)'p', (byte)'e' }, "not valid JSON")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, (byte)'[', (byte)']' }, "not an object")]
    public void Corrupt_headers_are_clear_errors(byte[] content, string expected)
    {
        var path = _dir.Sub("bad.safetensors");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Offsets_that_disagree_with_the_shape_are_rejected()
    {
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        var path = _dir.Sub("offsets.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. Encoding.ASCII.GetBytes(header), .. new byte[8]]);

        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("needs 12 bytes", e.Message);
    }
}
