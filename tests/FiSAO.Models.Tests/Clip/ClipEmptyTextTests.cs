using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

/// <summary>
/// HF's CLIP embeds the empty text: its tokenizer turns "" (and whitespace only, which <c>whitespace_clean</c> empties)
/// into <c>&lt;|startoftext|&gt;&lt;|endoftext|&gt;</c>, and the text tower pools at the end token. Checked end to end,
/// tokenizer then model, against <see cref="ReferenceClip"/> (HF's modeling_clip.py in double precision) fed those ids.
/// </summary>
public sealed class ClipEmptyTextTests : IDisposable
{
    private const int StartOfText = 512, EndOfText = 513; // ClipCheckpointWriter.SaveByteLevelTokenizer's ids

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("", 2)]          // legacy openai config: pool at argmax(ids)
    [InlineData("", EndOfText)]  // newer config: pool at the first eos_token_id
    [InlineData("   ", 2)]
    [InlineData(" \t\n\u00a0\u3000 ", EndOfText)]
    public void Empty_and_whitespace_only_text_embed_as_start_and_end_of_text(string text, int eosTokenId)
    {
        var spec = ClipSpec.Tiny() with { Text = ClipSpec.Tiny().Text with { VocabSize = 514, EosTokenId = eosTokenId } };
        var tiny = TinyClipCheckpoint.Create(spec, seed: 41);
        var folder = tiny.WriteClipFolder(_dir.Path);
        ClipCheckpointWriter.SaveByteLevelTokenizer(folder);
        var tokenizer = ClipTokenizer.FromDirectory(folder);
        using var model = ClipModel.FromPretrained(folder);

        var batch = tokenizer.EncodeBatch([text, "a"]);
        Assert.Equal([StartOfText, EndOfText], batch.Row(0).ToArray());
        using var scope = torch.NewDisposeScope();
        var features = model.GetTextFeatures(batch.InputIdsTensor(), batch.AttentionMaskTensor());

        var expected = new ReferenceClip(spec, tiny.Weights).TextFeatures([StartOfText, EndOfText]);
        TensorAssert.CloseValues(expected, TensorAssert.ToFloats(features[0]), 1e-4, 1e-4, $"features of '{text}'");
        // The padded batch row and a batch of one agree (padding is masked), and the empty text is not the other row.
        var alone = tokenizer.EncodeBatch([text]);
        TensorAssert.Close(features[0], model.GetTextFeatures(alone.InputIdsTensor(), alone.AttentionMaskTensor())[0], 1e-5, 1e-5, "batch of one");
        Assert.True(TensorAssert.MaxAbsDiff(expected, TensorAssert.ToFloats(features[1]).Select(f => (double)f).ToArray()) > 1e-2);
    }
}
