using System.Buffers.Binary;
using System.Text;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Tests.Support;

namespace FiSAO.Trainer.Tests;

/// <summary>The event file read back as TensorBoard reads it: TFRecord framing with masked CRC32C, then tensorflow.Event fields.</summary>
public sealed class TensorBoardWriterTests
{
    private sealed record Event(double WallTime, long Step, string? FileVersion, string? Tag, float? Value);

    [Fact]
    public void Events_have_valid_record_checksums_and_unix_second_wall_times_with_fractions()
    {
        var directory = TestDirectories.New("tensorboard");
        var times = new Queue<DateTimeOffset>([
            new DateTimeOffset(2026, 12, 6, 4, 0, 0, 250, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 6, 4, 0, 1, 500, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 6, 4, 0, 2, 750, TimeSpan.Zero)]);
        string path;
        using (var writer = new TensorBoardWriter(directory, () => times.Dequeue()))
        {
            writer.AddScalar("reward/mean", 0.125, 1);
            writer.AddScalar("ppo/entropy", -3.5, 300);
            path = writer.FilePath;
        }
        Assert.Contains("tfevents", Path.GetFileName(path));

        var events = ReadEvents(File.ReadAllBytes(path));
        Assert.Equal(3, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(1796529600.25, events[0].WallTime, 1e-6);   // 2026-12-06T04:00:00.25Z in Unix seconds
        Assert.Equal(new Event(1796529601.5, 1, null, "reward/mean", 0.125f), events[1]);
        Assert.Equal(new Event(1796529602.75, 300, null, "ppo/entropy", -3.5f), events[2]);
    }

    private static List<Event> ReadEvents(byte[] file)
    {
        var events = new List<Event>();
        var at = 0;
        while (at < file.Length)
        {
            var header = file.AsSpan(at, 8);
            Assert.Equal(MaskedCrc(header), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8, 4)));
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(header);
            var data = file.AsSpan(at + 12, length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + length, 4)));
            events.Add(ParseEvent(data.ToArray()));
            at += 12 + length + 4;
        }
        return events;
    }

    private static Event ParseEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null, tag = null;
        float? value = null;
        foreach (var (field, wire, bytes, number) in Fields(data))
        {
            switch (field)
            {
                case 1: Assert.Equal(1, wire); wall = BinaryPrimitives.ReadDoubleLittleEndian(bytes); break;
                case 2: Assert.Equal(0, wire); step = (long)number; break;
                case 3: version = Encoding.UTF8.GetString(bytes); break;
                case 5:
                    var summaryValue = Assert.Single(Fields(bytes));                     // Summary.value (one)
                    foreach (var (f, w, b, _) in Fields(summaryValue.Bytes))
                    {
                        if (f == 1) tag = Encoding.UTF8.GetString(b);
                        if (f == 2) { Assert.Equal(5, w); value = BinaryPrimitives.ReadSingleLittleEndian(b); }
                    }
                    break;
                default: Assert.Fail($"unexpected field {field}"); break;
            }
        }
        return new Event(wall, step, version, tag, value);
    }

    private static List<(int Field, int Wire, byte[] Bytes, ulong Number)> Fields(byte[] data)
    {
        var fields = new List<(int, int, byte[], ulong)>();
        var i = 0;
        ulong Varint()
        {
            ulong v = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[i++];
                v |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return v;
            }
        }
        while (i < data.Length)
        {
            var key = Varint();
            var (field, wire) = ((int)(key >> 3), (int)(key & 7));
            switch (wire)
            {
                case 0: fields.Add((field, wire, [], Varint())); break;
                case 1: fields.Add((field, wire, data[i..(i + 8)], 0)); i += 8; break;
                case 5: fields.Add((field, wire, data[i..(i + 4)], 0)); i += 4; break;
                case 2: var n = (int)Varint(); fields.Add((field, wire, data[i..(i + n)], 0)); i += n; break;
                default: Assert.Fail($"wire type {wire}"); break;
            }
        }
        return fields;
    }

    // CRC32C (Castagnoli, reflected polynomial 0x82F63B78) bit by bit, independent of the writer's BitOperations.Crc32C.
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc ^= 0xFFFFFFFFu;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    [Fact]
    public void The_crc32c_of_the_standard_check_string_is_e3069283()
    {
        // "123456789" -> 0xE3069283 (the CRC-32C check value); masked as TFRecord masks it.
        var crc = 0xE3069283u;
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u), TensorBoardWriter.MaskedCrc32C("123456789"u8));
    }
}
