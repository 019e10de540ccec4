using FiSAO.Rewards.Alignment;

namespace FiSAO.Rewards.Tests;

public class CalibrationSampleFileTests
{
    [Fact]
    public void Reads_text_caption_or_tokens_and_objects_as_a_list_or_a_map_with_images_relative_to_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "fisao-samples", "samples.jsonl");
        var text = string.Join("\n",
            """{"image": "a.png", "text": "A dog.", "objects": ["dog"]}""",
            "",
            """{"image": "img/b.png", "caption": "Two cats.", "objects": {"cat": 2}}""",
            """{"image": "c.png", "tokens": ["▁A", "▁dog"], "token_format": "sentencepiece", "text": "A dog", "objects": [], "judged": [{"surface": "dog", "object": "dog", "verdict": "hallucinated"}]}""");

        var samples = CalibrationSampleFile.Parse(text, path);

        Assert.Equal([1, 3, 4], samples.Select(s => s.Line));
        Assert.Equal(Path.Combine(Path.GetTempPath(), "fisao-samples", "img", "b.png"), samples[1].ImagePath);
        Assert.Equal(["A dog.", "Two cats.", null], samples.Select(s => s.Text));
        Assert.Equal(["▁A", "▁dog"], samples[2].Tokens);
        Assert.Equal(TokenFormat.SentencePiece, samples[2].TokenFormat);
        Assert.Equal(["cat"], samples[1].Objects);
        Assert.Empty(samples[2].Objects);
    }

    [Theory]
    [InlineData("""{"image": "a.png", "text": "a dog"}""", "s.jsonl:1: \"objects\" (the objects truly in the image) is missing.")]
    [InlineData("""{"image": "a.png", "objects": []}""", "s.jsonl:1: \"text\" must be a non-empty string (or give \"caption\" or \"tokens\").")]
    [InlineData("""{"text": "a dog", "objects": []}""", "s.jsonl:1: \"image\" must be a non-empty string.")]
    [InlineData("""{"image": "a.png", "tokens": ["a"], "token_format": "bpe", "objects": []}""", "s.jsonl:1: \"token_format\" 'bpe' is none of auto, plain, sentencepiece, bytelevelbpe, wordpiece.")]
    [InlineData("""{"image": "a.png", "text": "a", "objects": 3}""", "s.jsonl:1: \"objects\" must be an array of strings or a map name -> count.")]
    public void Bad_lines_are_errors_naming_the_file_line_and_field(string line, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => CalibrationSampleFile.Parse(line, "s.jsonl"));

        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Written_samples_read_back_the_same_with_image_paths_relative_to_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("fisao-samples-").FullName;
        var path = Path.Combine(folder, "calibration.samples.jsonl");
        CalibrationSampleLine[] samples =
        [
            new(0, Path.Combine(folder, "val", "a.png"), null, ["▁a", "▁dog"], TokenFormat.SentencePiece, ["dog"], [new JudgedMention("dog", "dog", "correct")]),
            new(0, Path.Combine(folder, "b.png"), "A cat.", null, TokenFormat.Auto, ["dog", "person"]),
        ];
        try
        {
            CalibrationSampleFile.Write(path, samples);
            var back = CalibrationSampleFile.Read(path);

            Assert.Contains("\"image\":\"val/a.png\"", File.ReadAllText(path));
            Assert.Equal(samples.Select(s => (s.ImagePath, s.Text, s.TokenFormat)), back.Select(s => (s.ImagePath, s.Text, s.TokenFormat)));
            Assert.Equal(samples[0].Tokens, back[0].Tokens);
            Assert.Equal(samples[1].Objects, back[1].Objects);
            Assert.Equal(samples[0].Judged, back[0].Judged);
            Assert.Null(back[1].Judged);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
