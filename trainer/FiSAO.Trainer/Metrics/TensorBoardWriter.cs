using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Text;

namespace FiSAO.Trainer.Metrics;

/// <summary>
/// TensorBoard scalar events, written the way TensorFlow's <c>EventsWriter</c> writes them: a file
/// <c>events.out.tfevents.{unix seconds}.{host}</c> of TFRecords (u64 length, masked CRC32C of the length, the serialised
/// <c>tensorflow.Event</c>, masked CRC32C of it), the first event carrying <c>file_version = "brain.Event:2"</c>. Each
/// event's <c>wall_time</c> is Unix seconds as a double with sub-second precision, which TensorBoard's "relative" and
/// "wall" axes read. (TorchSharp 0.107's SummaryWriter writes .NET ticks, 6.39e17, and whole seconds.) Each record is
/// flushed as it is written, so a killed run keeps its events.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private static int _files;
    private readonly FileStream _file;

    public TensorBoardWriter(string directory, Func<DateTimeOffset>? clock = null)
    {
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        Directory.CreateDirectory(directory);
        var now = _clock();
        FilePath = Path.Combine(directory, $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Dns.GetHostName()}.{Environment.ProcessId}.{Interlocked.Increment(ref _files)}");
        _file = new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteRecord(Event(UnixSeconds(now), 0, fileVersion: "brain.Event:2", tag: null, value: 0));
    }

    private readonly Func<DateTimeOffset> _clock;

    public string FilePath { get; }

    /// <summary>One scalar point (TensorBoard's <c>simple_value</c>, a float).</summary>
    public void AddScalar(string tag, double value, long step) =>
        WriteRecord(Event(UnixSeconds(_clock()), step, fileVersion: null, tag, (float)value));

    public static double UnixSeconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>TFRecord's masked CRC32C: ((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    private void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        _file.Write(header);
        _file.Write(data);
        _file.Write(footer);
        _file.Flush();
    }

    // tensorflow.Event: wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary);
    // Summary.value = 1 (repeated Value); Value.tag = 1 (string), Value.simple_value = 2 (float).
    private static byte[] Event(double wallTime, long step, string? fileVersion, string? tag, float value)
    {
        using var e = new MemoryStream();
        Key(e, 1, 1);
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, wallTime);
        e.Write(d);
        if (step != 0) { Key(e, 2, 0); Varint(e, (ulong)step); }
        if (fileVersion is not null) Bytes(e, 3, Encoding.UTF8.GetBytes(fileVersion));
        if (tag is not null)
        {
            using var v = new MemoryStream();
            Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
            Key(v, 2, 5);
            Span<byte> f = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(f, value);
            v.Write(f);
            using var summary = new MemoryStream();
            Bytes(summary, 1, v.ToArray());
            Bytes(e, 5, summary.ToArray());
        }
        return e.ToArray();
    }

    private static void Key(Stream s, int field, int wireType) => Varint(s, (ulong)((field << 3) | wireType));

    private static void Bytes(Stream s, int field, byte[] bytes)
    {
        Key(s, field, 2);
        Varint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void Varint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    public void Dispose() => _file.Dispose();
}
