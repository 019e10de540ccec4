using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FiSAO.Models.Clip;
using FiSAO.Verifier.Tests.Support;
using TorchSharp;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>
/// HF's CLIP embeds "" and whitespace-only text as <c>&lt;|startoftext|&gt;&lt;|endoftext|&gt;</c>; so do REST and gRPC.
/// The expected features are the fixture's CLIP run on exactly those two ids (the model's own parity with HF's
/// modeling_clip is FiSAO.Models.Tests' ClipEmptyTextTests and ClipReferenceTests).
/// </summary>
public class EmptyTextTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    const long StartOfText = 512, EndOfText = 513; // ClipCheckpointWriter.SaveByteLevelTokenizer's ids

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" \t\r\n\u00a0 ")]
    public async Task Empty_and_whitespace_text_embed_as_start_and_end_of_text_over_rest_and_grpc(string text)
    {
        var expected = StartAndEndOfTextFeatures();

        using var response = await fixture.Host.Http.PostAsJsonAsync("/v1/embed", new { text });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rest = json.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var grpc = (await fixture.Host.Client.EmbedAsync(new V1.EmbedRequest { Text = text })).Embedding.ToArray();

        Assert.Equal(expected.Length, rest.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - rest[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"REST [{i}]: {rest[i]} vs {expected[i]}");
            Assert.True(Math.Abs(expected[i] - grpc[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"gRPC [{i}]: {grpc[i]} vs {expected[i]}");
        }
        var word = (await fixture.Host.Client.EmbedAsync(new V1.EmbedRequest { Text = "a" })).Embedding.ToArray();
        Assert.True(word.Zip(expected, (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the empty text must not embed like a word");
    }

    float[] StartAndEndOfTextFeatures()
    {
        using var model = ClipModel.FromPretrained(fixture.ModelDirectory);
        using var ids = torch.tensor(new[] { StartOfText, EndOfText }, [1, 2]);
        using var features = model.GetTextFeatures(ids);
        return features.data<float>().ToArray();
    }
}
