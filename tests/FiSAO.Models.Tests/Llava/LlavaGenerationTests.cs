using FiSAO.Models.Llava;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava;

public sealed class LlavaGenerationTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private readonly TempDirectory _dir = new();
    private readonly LlavaForConditionalGeneration _model;
    private readonly LlavaTokenizer _tokenizer;

    public LlavaGenerationTests()
    {
        var folder = Tiny.Write(_dir.Path);
        _model = LlavaForConditionalGeneration.FromPretrained(folder, TorchTarget.Cpu());
        _tokenizer = LlavaTokenizer.FromDirectory(folder);
    }

    public void Dispose()
    {
        _model.Dispose();
        _dir.Dispose();
    }

    private IReadOnlyList<int> Prompt(string text) => _tokenizer.EncodePrompt(text, _model.ImageSeqLength);

    private GenerationResult Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int imageSeed, GenerationOptions options)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(Tiny.Pixels(prompts.Count, imageSeed), Tiny.PixelShape(prompts.Count));
        return LlavaGenerator.Generate(_model, _tokenizer, PromptBatch.LeftPadded(prompts, _tokenizer.PadId!.Value), pixels, options);
    }

    private static void SameTokensCloseLogProbs(GeneratedSequence expected, GeneratedSequence actual, string what)
    {
        Assert.Equal(expected.TokenIds, actual.TokenIds);
        Assert.Equal(expected.Finish, actual.Finish);
        TensorAssert.CloseValues(expected.LogProbs.Select(x => (double)x).ToArray(), actual.LogProbs.ToArray(), 2e-5, 1e-5, what);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cache_and_full_recomputation_give_the_same_tokens_and_log_probs(bool sample)
    {
        var prompts = new[] { Prompt("the dog."), Prompt("a cat") };
        var options = new GenerationOptions { MaxNewTokens = 12, DoSample = sample, Temperature = 0.9, TopP = 0.95, Seed = 42, EosTokenIds = [] };
        var cached = Generate(prompts, 1, options);
        var full = Generate(prompts, 1, options with { UseCache = false });
        for (var row = 0; row < 2; row++)
        {
            Assert.Equal(12, cached.Sequences[row].TokenIds.Count);
            SameTokensCloseLogProbs(full.Sequences[row], cached.Sequences[row], $"row {row}");
        }
        Assert.NotEqual(cached.Sequences[0].TokenIds, cached.Sequences[1].TokenIds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Left_padding_does_not_change_a_rows_output(bool sample)
    {
        var shortPrompt = Prompt("a cat");
        var longPrompt = Prompt("the dog ate the cat. the dog");
        Assert.True(longPrompt.Count > shortPrompt.Count + 5);
        var options = new GenerationOptions { MaxNewTokens = 10, DoSample = sample, Seed = 7, EosTokenIds = [] };

        // The short prompt is row 1 (left-padded) with row seed 100; alone it is row 0 with the same seed.
        var batch = Generate([longPrompt, shortPrompt], 2, options with { RowSeeds = [5, 100] });
        using var scope = torch.NewDisposeScope();
        var bothImages = torch.tensor(Tiny.Pixels(2, 2), Tiny.PixelShape(2));
        var alone = LlavaGenerator.Generate(_model, _tokenizer, PromptBatch.LeftPadded([shortPrompt], _tokenizer.PadId!.Value),
            bothImages.narrow(0, 1, 1), options with { RowSeeds = [100] });
        var longAlone = LlavaGenerator.Generate(_model, _tokenizer, PromptBatch.LeftPadded([longPrompt], _tokenizer.PadId!.Value),
            bothImages.narrow(0, 0, 1), options with { RowSeeds = [5] });

        Assert.True(batch.Prompts.PaddingOf(1) > 0);
        SameTokensCloseLogProbs(alone.Sequences[0], batch.Sequences[1], "padded row");
        SameTokensCloseLogProbs(longAlone.Sequences[0], batch.Sequences[0], "unpadded row");
    }

    [Fact]
    public void Eos_stops_only_its_row()
    {
        var prompts = new[] { Prompt("the dog."), Prompt("a cat") };
        var free = Generate(prompts, 3, GenerationOptions.Greedy(8) with { EosTokenIds = [] });
        var stopAt = free.Sequences[0].TokenIds[2];
        Assert.DoesNotContain(stopAt, free.Sequences[1].TokenIds); // the other row never meets it
        Assert.DoesNotContain(stopAt, free.Sequences[0].TokenIds.Take(2));

        var stopped = Generate(prompts, 3, GenerationOptions.Greedy(8) with { EosTokenIds = [stopAt] });
        Assert.Equal(free.Sequences[0].TokenIds.Take(3), stopped.Sequences[0].TokenIds);
        Assert.Equal(FinishReason.Eos, stopped.Sequences[0].Finish);
        Assert.Equal(free.Sequences[1].TokenIds, stopped.Sequences[1].TokenIds);
        Assert.Equal(FinishReason.Length, stopped.Sequences[1].Finish);
        // The finished row's remaining steps (fed <pad>) do not disturb the running row.
        SameTokensCloseLogProbs(free.Sequences[1], stopped.Sequences[1], "running row");
    }

    [Fact]
    public void Generation_ends_when_every_row_has_stopped()
    {
        var prompts = new[] { Prompt("the dog.") };
        var free = Generate(prompts, 4, GenerationOptions.Greedy(6) with { EosTokenIds = [] });
        var stopped = Generate(prompts, 4, GenerationOptions.Greedy(6) with { EosTokenIds = [free.Sequences[0].TokenIds[0]] });
        Assert.Single(stopped.Sequences[0].TokenIds);
        Assert.Equal(FinishReason.Eos, stopped.Sequences[0].Finish);
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        var prompts = new[] { Prompt("the dog."), Prompt("a cat") };
        var options = new GenerationOptions { MaxNewTokens = 16, Seed = 11, EosTokenIds = [] };
        var a = Generate(prompts, 5, options);
        var b = Generate(prompts, 5, options);
        var c = Generate(prompts, 5, options with { Seed = 12345 });
        Assert.Equal(a.Sequences[0].TokenIds, b.Sequences[0].TokenIds);
        Assert.Equal(a.Sequences[1].LogProbs, b.Sequences[1].LogProbs);
        Assert.NotEqual(a.Sequences[0].TokenIds, c.Sequences[0].TokenIds);
    }

    [Fact]
    public void Top_k_1_and_a_tiny_top_p_sample_the_greedy_tokens()
    {
        var prompts = new[] { Prompt("the dog."), Prompt("a cat") };
        var greedy = Generate(prompts, 6, GenerationOptions.Greedy(8) with { EosTokenIds = [] });
        var topK = Generate(prompts, 6, new GenerationOptions { MaxNewTokens = 8, TopK = 1, Temperature = 2.0, Seed = 3, EosTokenIds = [] });
        var topP = Generate(prompts, 6, new GenerationOptions { MaxNewTokens = 8, TopP = 1e-6, Seed = 4, EosTokenIds = [] });
        for (var row = 0; row < 2; row++)
        {
            SameTokensCloseLogProbs(greedy.Sequences[row], topK.Sequences[row], "top-k 1");
            SameTokensCloseLogProbs(greedy.Sequences[row], topP.Sequences[row], "top-p 1e-6");
        }
    }

    [Fact]
    public void Rollout_log_probs_equal_the_policy_log_probs_of_the_sequences_at_temperature_1()
    {
        // Sampled at temperature 0.7 with top-p: the recorded log-probs are still log pi at temperature 1 (PPO's pi_old).
        var prompts = new[] { Prompt("the dog ate the cat."), Prompt("a cat") };
        var result = Generate(prompts, 7, new GenerationOptions { MaxNewTokens = 9, Temperature = 0.7, TopP = 0.9, Seed = 21, EosTokenIds = [2, 40] });

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var batch = PaddedResponses.Of(result);
        var features = _model.GetImageFeatures(torch.tensor(Tiny.Pixels(2, 7), Tiny.PixelShape(2)));
        var recomputed = _model.ResponseLogProbs(batch.InputIds, batch.AttentionMask, features, batch.PromptLength);
        Assert.Equal(batch.LogProbs.shape, recomputed.shape);
        TensorAssert.Close(batch.LogProbs, recomputed * batch.ResponseMask, 2e-5, 1e-5, "rollout vs recomputed");
        Assert.Equal(result.Sequences.Sum(s => s.TokenIds.Count), (int)batch.ResponseMask.sum().item<float>());
    }

    [Fact]
    public void Pieces_and_text_come_from_the_tokenizer()
    {
        var result = Generate([Prompt("the dog.")], 8, new GenerationOptions { MaxNewTokens = 10, Seed = 2, EosTokenIds = [] });
        var s = result.Sequences[0];
        Assert.Equal(s.TokenIds.Select(_tokenizer.IdToPiece), s.Pieces!);
        Assert.Equal(_tokenizer.Decode(s.TokenIds), s.Text);
    }
}
