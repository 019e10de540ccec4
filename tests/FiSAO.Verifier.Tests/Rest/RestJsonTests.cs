using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

public class RestJsonTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static readonly string[] Tokens = ["▁a", "▁dog", "▁and", "▁a", "▁cat"];

    [Fact]
    public async Task Json_score_by_base64_and_then_by_image_id_answers_as_grpc_does()
    {
        var png = TestImages.Png(31);
        using var byBytes = await fixture.Host.Http.PostAsJsonAsync("/v1/score", new { image_base64 = Convert.ToBase64String(png), tokens = Tokens });
        Assert.Equal(HttpStatusCode.OK, byBytes.StatusCode);
        var first = await byBytes.Content.ReadFromJsonAsync<JsonElement>();
        var imageId = first.GetProperty("image_id").GetString()!;

        using var byId = await fixture.Host.Http.PostAsJsonAsync("/v1/score", new { image_id = imageId, tokens = Tokens, token_format = "sentence_piece" });
        Assert.Equal(HttpStatusCode.OK, byId.StatusCode);
        var second = await byId.Content.ReadFromJsonAsync<JsonElement>();

        var grpc = await fixture.Host.Client.ScoreTokensAsync(new V1.ScoreTokensRequest
        {
            Image = new V1.ImageRef { ImageId = imageId }, Tokens = { Tokens }, TokenFormat = V1.TokenFormat.SentencePiece,
        });
        Assert.Equal(grpc.ImageId, second.GetProperty("image_id").GetString());
        Assert.Equal(grpc.Mentions.Select(m => (m.Entity, m.Score)),
            second.GetProperty("mentions").EnumerateArray().Select(m => (m.GetProperty("entity").GetString()!, m.GetProperty("score").GetSingle())));
        Assert.Equal(Scores(first), Scores(second));
    }

    [Fact]
    public async Task Json_score_takes_a_caption_and_names_what_is_wrong_with_a_bad_body()
    {
        var png = Convert.ToBase64String(TestImages.Png(32));
        using var caption = await fixture.Host.Http.PostAsJsonAsync("/v1/score", new { image_base64 = png, text = "Two dogs and a cat." });
        Assert.Equal(HttpStatusCode.OK, caption.StatusCode);
        Assert.Equal(["Two", "dogs", "and", "a", "cat", "."],
            (await caption.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));

        await AssertProblem(new { image_base64 = png, text = "a dog", tokens = Tokens }, HttpStatusCode.BadRequest, "not both");
        await AssertProblem(new { image_base64 = png }, HttpStatusCode.BadRequest, "`text`");
        await AssertProblem(new { text = "a dog" }, HttpStatusCode.BadRequest, "no image");
        await AssertProblem(new { image_base64 = png, image_id = new string('a', 64), text = "a dog" }, HttpStatusCode.BadRequest, "not several");
        await AssertProblem(new { image_base64 = "not base64 !", text = "a dog" }, HttpStatusCode.BadRequest, "image_base64");
        await AssertProblem(new { image_id = new string('0', 64), text = "a dog" }, HttpStatusCode.NotFound, "Unknown image id");
        await AssertProblem(new { image_id = new string('0', 64), text = "a dog", token_format = "klingon" }, HttpStatusCode.BadRequest, "token_format");
    }

    async Task AssertProblem(object body, HttpStatusCode status, string detail)
    {
        using var response = await fixture.Host.Http.PostAsJsonAsync("/v1/score", body);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
    }

    static IEnumerable<float> Scores(JsonElement answer) =>
        answer.GetProperty("mentions").EnumerateArray().Select(m => m.GetProperty("score").GetSingle()).ToList();
}
