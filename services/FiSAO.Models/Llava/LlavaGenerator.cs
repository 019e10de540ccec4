using FiSAO.Models.Llama;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// Batched autoregressive generation for <see cref="LlavaForConditionalGeneration"/>, HF-style: left-padded prompts
/// with an attention mask, position ids cumsum(mask) - 1, image features spliced into the prompt once, a KV cache
/// (or full recomputation), greedy or seeded sampling with temperature / top-k / top-p, and per-row stop at EOS
/// (finished rows are fed the pad id until every row is done, as HF does). Runs in the model's current mode, as HF's
/// generate does: call <c>eval()</c> first so LoRA dropout is off (<see cref="LlavaPolicy"/> does), and without autograd.
/// </summary>
public static class LlavaGenerator
{
    /// <param name="model">The policy (its current LoRA state is what generates).</param>
    /// <param name="tokenizer">Gives pieces and text of the responses; null leaves them out.</param>
    /// <param name="prompts">Prompt token ids with image placeholders expanded (<see cref="LlavaTokenizer.EncodePrompt"/>).</param>
    /// <param name="pixelValues">[N, 3, H, W] for the prompts' images, in order (row by row), or null for text-only prompts.</param>
    public static GenerationResult Generate(LlavaForConditionalGeneration model, LlavaTokenizer? tokenizer, PromptBatch prompts,
        Tensor? pixelValues, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var features = pixelValues is null ? null : model.GetImageFeatures(pixelValues);
        return GenerateFromFeatures(model, tokenizer, prompts, features, options);
    }

    /// <summary>As <see cref="Generate"/> with image features already computed (<see cref="LlavaForConditionalGeneration.GetImageFeatures"/>).</summary>
    public static GenerationResult GenerateFromFeatures(LlavaForConditionalGeneration model, LlavaTokenizer? tokenizer, PromptBatch prompts,
        Tensor? imageFeatures, GenerationOptions options)
    {
        options.Validate();
        var b = prompts.Count;
        var p = prompts.Length;
        var rowSeeds = options.RowSeeds ?? Enumerable.Range(0, b).Select(i => options.Seed + i).ToArray();
        if (rowSeeds.Count != b) throw new ArgumentException($"RowSeeds has {rowSeeds.Count} seeds for {b} prompts.", nameof(options));
        var random = rowSeeds.Select(s => new Random(unchecked((int)(s ^ (s >> 32))))).ToArray();
        var eos = (options.EosTokenIds ?? model.Config.TextConfig.EosTokenIds).ToHashSet();

        var tokens = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var logProbs = Enumerable.Range(0, b).Select(_ => new List<float>()).ToArray();
        var finished = new bool[b];

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var lm = model.LanguageModel;
        var mask = prompts.AttentionMask(model.Device);
        var embeds = model.EmbedInputs(prompts.InputIds(model.Device), imageFeatures);
        using var cache = options.UseCache ? model.CreateCache(b, p + options.MaxNewTokens) : null;
        var logits = lm.Forward(embeds, mask, null, cache, logitsToKeep: 1);

        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var last = logits.select(1, logits.shape[1] - 1).to(ScalarType.Float32); // [B, V]
            var next = options.DoSample ? Sample(last, options, random) : last.argmax(-1);
            var nextLogProbs = LlavaForConditionalGeneration.TokenLogProbs(last, next);
            var ids = next.to(ScalarType.Int64, CPU).data<long>().ToArray();
            var lps = nextLogProbs.to(CPU).data<float>().ToArray();

            var feed = new long[b];
            for (var row = 0; row < b; row++)
            {
                if (finished[row])
                {
                    feed[row] = prompts.PadId;
                    continue;
                }
                tokens[row].Add((int)ids[row]);
                logProbs[row].Add(lps[row]);
                feed[row] = ids[row];
                if (eos.Contains((int)ids[row])) finished[row] = true;
            }
            if (finished.All(f => f) || step == options.MaxNewTokens - 1) break;

            var feedIds = torch.tensor(feed, [b, 1], device: model.Device);
            var newMask = torch.cat([mask, torch.ones([b, 1], ScalarType.Int64, model.Device)], 1);
            var newEmbeds = lm.Model.Embed(feedIds); // generated tokens never take image features (HF decode steps)
            Tensor newLogits;
            if (cache is not null)
            {
                var positions = (newMask.sum(-1, keepdim: true) - Scalars.One).to(ScalarType.Int64);
                newLogits = lm.Forward(newEmbeds, newMask, positions, cache, logitsToKeep: 1);
            }
            else
            {
                var allEmbeds = torch.cat([embeds, newEmbeds], 1);
                newLogits = lm.Forward(allEmbeds, newMask, null, null, logitsToKeep: 1);
                embeds.Dispose();
                embeds = allEmbeds.MoveToOuterDisposeScope();
            }
            mask.Dispose();
            logits.Dispose();
            mask = newMask.MoveToOuterDisposeScope();
            logits = newLogits.MoveToOuterDisposeScope();
        }

        var sequences = new GeneratedSequence[b];
        for (var row = 0; row < b; row++)
        {
            var finish = tokens[row].Count > 0 && eos.Contains(tokens[row][^1]) ? FinishReason.Eos : FinishReason.Length;
            sequences[row] = new GeneratedSequence(tokens[row].ToArray(), tokenizer?.IdsToPieces(tokens[row]), logProbs[row].ToArray(), finish,
                tokenizer?.Decode(tokens[row]));
        }
        return new GenerationResult(prompts, sequences);
    }

    /// <summary>
    /// One token per row from logits [B, V] (fp32): / temperature, top-k, top-p (HF's warpers, in HF's order), softmax,
    /// then inverse-CDF sampling with one uniform in (0, 1] per row from that row's generator.
    /// </summary>
    public static Tensor Sample(Tensor logits, GenerationOptions options, IReadOnlyList<Random> rowGenerators)
    {
        using var scope = torch.NewDisposeScope();
        using var temperature = options.Temperature.ToScalar();
        var scores = logits.to(ScalarType.Float32) / temperature;
        var vocab = scores.shape[^1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kth = scores.topk(options.TopK, -1).values.narrow(-1, options.TopK - 1, 1);
            scores = scores.masked_fill(scores.lt(kth), Scalars.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            // HF TopPLogitsWarper: sort ascending, drop tokens whose cumulative probability stays <= 1 - top_p, keep the top one.
            var (sorted, order) = scores.sort(-1, descending: false);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            using var threshold = (1 - options.TopP).ToScalar();
            var removeSorted = cumulative.le(threshold);
            removeSorted.narrow(-1, vocab - 1, 1).fill_(Scalars.False);
            var remove = removeSorted.scatter(-1, order, removeSorted);
            scores = scores.masked_fill(remove, Scalars.NegativeInfinity);
        }
        var cdf = scores.softmax(-1).cumsum(-1).contiguous();
        var uniforms = rowGenerators.Select(r => (float)(1.0 - r.NextDouble())).ToArray(); // (0, 1]
        var u = torch.tensor(uniforms, [uniforms.Length, 1], device: logits.device) * cdf.narrow(-1, vocab - 1, 1);
        using var lastToken = (vocab - 1).ToScalar();
        var index = torch.searchsorted(cdf, u).squeeze(-1).clamp_max(lastToken);
        return index.to(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}
