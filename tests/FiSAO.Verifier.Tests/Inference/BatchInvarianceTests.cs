using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;

namespace FiSAO.Verifier.Tests.Inference;

/// <summary>
/// Verifier:Batching:BatchInvariant: an embedding (and so every score and reward) is the same bits whether its image or
/// text was encoded alone or together with others, so a training run against the verifier repeats exactly.
/// </summary>
public class BatchInvarianceTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    const int Inputs = 16;

    /// <param name="together">A long delay and a big batch: inputs sent together are encoded in one batch. Otherwise no
    /// delay: inputs sent one after another are encoded alone.</param>
    static Dictionary<string, string?> Settings(bool invariant, bool together) => new()
    {
        ["Verifier:Batching:MaxBatchSize"] = "32",
        ["Verifier:Batching:MaxQueueDelayMs"] = together ? "300" : "0",
        ["Verifier:Batching:BatchInvariant"] = invariant ? "true" : "false",
    };

    static EmbedRequest Image(int i) => new() { Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(900 + i, 64, 64)) } };

    static EmbedRequest Text(int i) => new() { Text = $"a photo of {i} red dogs and a cat number {i * 7}" };

    static IEnumerable<EmbedRequest> Requests() => Enumerable.Range(0, Inputs).SelectMany(i => new[] { Image(i), Text(i) });

    /// <summary>Every request's embedding from a verifier that gets them one by one, and from one that gets them all at once.</summary>
    async Task<(List<float[]> Alone, float[][] Together)> EmbedAloneAndTogether(bool invariant)
    {
        await using var alone = await fixture.StartAnotherAsync(Settings(invariant, together: false));
        var single = new List<float[]>();
        foreach (var request in Requests()) single.Add([.. (await alone.Client.EmbedAsync(request)).Embedding]);

        await using var together = await fixture.StartAnotherAsync(Settings(invariant, together: true));
        var batched = await Task.WhenAll(Requests().Select(async r => (float[])[.. (await together.Client.EmbedAsync(r)).Embedding]));
        var info = await together.Client.GetInfoAsync(new GetInfoRequest());
        Assert.Equal(invariant, info.Limits.BatchInvariant);
        return (single, batched);
    }

    [Fact]
    public async Task Embeddings_from_a_shared_batch_equal_those_encoded_alone_bit_for_bit()
    {
        var (single, batched) = await EmbedAloneAndTogether(invariant: true);
        for (var i = 0; i < single.Count; i++)
            Assert.True(single[i].SequenceEqual(batched[i]), $"input {i}: the embedding depends on the batch it was encoded in");
    }

    [Fact]
    public async Task Without_batch_invariance_a_shared_batch_moves_some_embeddings_in_their_last_bits()
    {
        // The reason the setting exists (and proof that the test above can fail): on this libtorch build a row of a
        // batched forward pass is not always the same bits as the same row computed alone.
        var (single, batched) = await EmbedAloneAndTogether(invariant: false);
        var differing = Enumerable.Range(0, single.Count).Count(i => !single[i].SequenceEqual(batched[i]));
        Assert.True(differing > 0, "every embedding was the same bits alone and batched: the batch-invariance test above proves nothing here");
        for (var i = 0; i < single.Count; i++)
            Assert.Equal(single[i], batched[i], (a, b) => MathF.Abs(a - b) <= 1e-4f * (1 + MathF.Abs(a)));
    }
}
