using FiSAO.Rewards;
using FiSAO.Verifier.V1;
using Google.Protobuf;

namespace FiSAO.Cli;

/// <summary>
/// A calibration set in the project's samples.jsonl format (<see cref="CalibrationSampleFile"/>: image, text or tokens,
/// objects), read by the one reader the verifier and the trainer share; errors become usage errors naming the line.
/// </summary>
internal static class CalibrationSamples
{
    public static IReadOnlyList<CalibrationSampleLine> Read(string path)
    {
        var text = LocalFiles.ReadText(path, "samples file");
        try { return CalibrationSampleFile.Parse(text, path); }
        catch (InvalidDataException e) { throw CliException.Usage(e.Message, e); }
    }

    /// <summary>The Calibrate request: every sample carries its image bytes. (Samples sharing an image could refer to
    /// it by id, but the verifier looks ids up before it has encoded bytes sent in the same request.)</summary>
    public static CalibrateRequest Request(IReadOnlyList<CalibrationSampleLine> samples, bool apply)
    {
        var request = new CalibrateRequest { Apply = apply };
        var images = new Dictionary<string, ByteString>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            if (!images.TryGetValue(sample.ImagePath, out var bytes))
                images[sample.ImagePath] = bytes = UnsafeByteOperations.UnsafeWrap(LocalFiles.ReadBytes(sample.ImagePath, $"image of line {sample.Line}"));
            var proto = new CalibrationSample { Image = new ImageRef { Data = bytes }, GroundTruthObjects = { sample.Objects } };
            if (sample.Tokens is { } tokens)
                proto.Tokens = new TokenList { Tokens = { tokens }, TokenFormat = (TokenFormat)(int)sample.TokenFormat };
            else proto.Text = sample.Text;
            request.Samples.Add(proto);
        }
        return request;
    }
}
