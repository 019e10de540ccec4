using FiSAO.Models.Llama;
using FiSAO.Models.Llava;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava;

/// <summary>The TorchSharp LLaVA against <see cref="ReferenceLlava"/> (double precision, plain loops) on a tiny checkpoint.</summary>
public sealed class LlavaForwardTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private static readonly ReferenceLlava Reference = new(Tiny);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private LlavaForConditionalGeneration Load(LlamaAttentionImplementation attention) =>
        LlavaCheckpointLoader.Load(Tiny.Write(_dir.Path, new LlavaFolderOptions { Tokenizer = false }), TorchTarget.Cpu(), attention).Model;

    private static int[] Prompt(int before, int after, int seed)
    {
        var random = new Random(seed);
        int Token() => 3 + random.Next(TinySentencePiece.Count - 3);
        return [1, .. Enumerable.Range(0, before).Select(_ => Token()), .. Enumerable.Repeat(Tiny.Spec.ImageTokenId, Tiny.Spec.ImageSeqLength),
            .. Enumerable.Range(0, after).Select(_ => Token())];
    }

    [Theory]
    [InlineData(LlamaAttentionImplementation.Eager)]
    [InlineData(LlamaAttentionImplementation.Sdpa)]
    public void Logits_with_image_match_the_reference(LlamaAttentionImplementation attention)
    {
        using var model = Load(attention);
        var ids = Prompt(4, 6, seed: 1);
        var pixels = Tiny.Pixels(1, seed: 3);
        var expected = Reference.Logits(ids, [pixels]);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(pixels, Tiny.PixelShape(1)));
        Assert.Equal([1, Tiny.Spec.ImageSeqLength, Tiny.Spec.Text.HiddenSize], features.shape);
        TensorAssert.CloseValues(Reference.ImageFeatures(pixels).SelectMany(r => r).ToArray(), TensorAssert.ToFloats(features), 1e-5, 1e-4, "image features");

        var logits = model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), features);
        TensorAssert.CloseValues(expected.SelectMany(r => r).ToArray(), TensorAssert.ToFloats(logits), 1e-4, 1e-4, "logits");
    }

    [Fact]
    public void Left_padded_batch_rows_match_the_reference_of_each_unpadded_prompt()
    {
        using var model = Load(LlamaAttentionImplementation.Sdpa);
        int[][] prompts = [Prompt(2, 3, seed: 4), Prompt(7, 9, seed: 5)];
        var batch = PromptBatch.LeftPadded(prompts, Tiny.Spec.PadId);
        var pixels = Tiny.Pixels(2, seed: 6);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(pixels, Tiny.PixelShape(2)));
        var logits = model.Forward(batch.InputIds(), features, batch.AttentionMask());
        var perImage = pixels.Length / 2;
        for (var row = 0; row < 2; row++)
        {
            var expected = Reference.Logits(prompts[row], [pixels.AsSpan(row * perImage, perImage).ToArray()]);
            var pad = batch.PaddingOf(row);
            var actual = TensorAssert.ToFloats(logits[row].narrow(0, pad, prompts[row].Length));
            TensorAssert.CloseValues(expected.SelectMany(r => r).ToArray(), actual, 1e-4, 1e-4, $"row {row}");
        }
    }

    [Fact]
    public void Text_only_gqa_decoder_matches_the_reference()
    {
        using var model = Load(LlamaAttentionImplementation.Eager);
        int[] ids = [1, 300, 270, 5, 280, 281, 9, 100];
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = model.LanguageModel.ForwardIds(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        TensorAssert.CloseValues(Reference.Logits(ids).SelectMany(r => r).ToArray(), TensorAssert.ToFloats(logits), 1e-4, 1e-4, "logits");
    }

    [Fact]
    public void Kv_cache_steps_give_the_full_forward_logits()
    {
        using var model = Load(LlamaAttentionImplementation.Sdpa);
        int[][] prompts = [Prompt(1, 2, seed: 8), Prompt(3, 5, seed: 9)];
        var batch = PromptBatch.LeftPadded(prompts, Tiny.Spec.PadId);
        long[] next = [7, 300, 12, 290, 5, 299]; // three steps of two rows

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(Tiny.Pixels(2, seed: 10), Tiny.PixelShape(2)));
        var allIds = torch.cat([batch.InputIds(), torch.tensor(next, [3, 2]).t()], 1);
        var allMask = torch.ones_like(allIds);
        allMask.narrow(1, 0, batch.Length).copy_(batch.AttentionMask());
        var full = model.Forward(allIds, features, allMask);

        using var cache = model.CreateCache(2, batch.Length + 3);
        var stepLogits = new List<Tensor> { model.Forward(batch.InputIds(), features, batch.AttentionMask(), null, cache) };
        for (var s = 0; s < 2; s++)
        {
            var mask = allMask.narrow(1, 0, batch.Length + s + 1);
            var positions = (mask.sum(-1, keepdim: true) - 1);
            stepLogits.Add(model.Forward(allIds.narrow(1, batch.Length + s, 1), null, mask, positions, cache));
        }
        Assert.Equal(batch.Length + 2, cache.Length);
        var cached = torch.cat(stepLogits, 1);
        for (var row = 0; row < 2; row++)
        {
            // Padding positions attend to nothing real, so their (unused) logits depend on the key length; skip them.
            var pad = batch.PaddingOf(row);
            var length = batch.Length + 2 - pad;
            TensorAssert.Close(full[row].narrow(0, pad, length), cached[row].narrow(0, pad, length), 1e-5, 1e-5, $"row {row}: cached vs full");
        }
    }

    [Fact]
    public void Image_token_count_must_match_the_features()
    {
        using var model = Load(LlamaAttentionImplementation.Sdpa);
        var ids = Prompt(2, 2, seed: 11).Where((_, i) => i != 5).ToArray(); // one placeholder short
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(Tiny.Pixels(1, seed: 1), Tiny.PixelShape(1)));
        var e = Assert.Throws<ArgumentException>(() => model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), features));
        Assert.Contains("15 image tokens", e.Message);
    }

    [Fact]
    public void Response_log_probs_are_the_reference_log_softmax_of_each_next_token()
    {
        using var model = Load(LlamaAttentionImplementation.Sdpa);
        var prompt = Prompt(3, 4, seed: 12);
        int[] response = [280, 7, 2];
        var ids = prompt.Concat(response).ToArray();
        var pixels = Tiny.Pixels(1, seed: 13);
        var expected = Reference.Logits(ids, [pixels]);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(pixels, Tiny.PixelShape(1)));
        var idsTensor = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        var logProbs = model.ResponseLogProbs(idsTensor, torch.ones_like(idsTensor), features, prompt.Length);
        Assert.Equal([1, 3], logProbs.shape);
        var want = response.Select((token, t) => ReferenceLlava.LogSoftmax(expected[prompt.Length - 1 + t])[token]).ToArray();
        TensorAssert.CloseValues(want, TensorAssert.ToFloats(logProbs), 1e-4, 1e-4, "log-probs");
    }
}
