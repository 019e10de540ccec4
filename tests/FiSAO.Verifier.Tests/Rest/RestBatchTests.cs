using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

public class RestBatchTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Batch_answers_in_request_order_and_a_bad_item_fails_alone()
    {
        var png = TestImages.Png(41);
        var id = (await fixture.Host.Client.ScoreTokensAsync(new V1.ScoreTokensRequest
        {
            Image = new V1.ImageRef { Data = Google.Protobuf.ByteString.CopyFrom(png) }, Tokens = { "▁x" },
        })).ImageId;
        var captions = Enumerable.Range(0, 12).Select(i => $"{i} dogs").ToList();
        var items = new List<object?>();
        foreach (var (caption, i) in captions.Select((c, i) => (c, i)))
            items.Add(i % 2 == 0
                ? new { image_id = id, text = caption }
                : new { image_base64 = Convert.ToBase64String(TestImages.Png(4100 + i)), text = caption });
        items.Insert(5, new { image_id = new string('f', 64), text = "a cat" });   // unknown image
        items.Insert(9, new { image_base64 = Convert.ToBase64String("not an image"u8.ToArray()), text = "a cat" });
        items.Insert(11, null);

        using var response = await fixture.Host.Http.PostAsJsonAsync("/v1/score/batch", items);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(items.Count, answers.Count);

        Assert.Equal(404, answers[5].GetProperty("error").GetProperty("status").GetInt32());
        Assert.Equal("NotFound", answers[5].GetProperty("error").GetProperty("title").GetString());
        Assert.Equal(400, answers[9].GetProperty("error").GetProperty("status").GetInt32());
        Assert.Contains("Invalid image", answers[9].GetProperty("error").GetProperty("detail").GetString());
        Assert.Equal(400, answers[11].GetProperty("error").GetProperty("status").GetInt32());
        var good = answers.Where((_, i) => i is not (5 or 9 or 11)).ToList();
        Assert.All(good, a => Assert.Equal(JsonValueKind.Null, a.GetProperty("error").ValueKind));
        Assert.Equal(captions.Select(c => c.Split(' ')[0]), good.Select(a => a.GetProperty("result").GetProperty("tokens")[0].GetString()));
        Assert.All(good.Where((_, i) => i % 2 == 0), a => Assert.Equal(id, a.GetProperty("result").GetProperty("image_id").GetString()));
    }

    [Fact]
    public async Task An_item_may_refer_to_the_image_an_earlier_item_of_the_same_batch_sends()
    {
        var png = TestImages.Png(42);
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        using var response = await fixture.Host.Http.PostAsJsonAsync("/v1/score/batch", new object[]
        {
            new { image_base64 = Convert.ToBase64String(png), text = "a dog" },
            new { image_id = id, tokens = new[] { "▁a", "▁cat" } },
        });
        var answers = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.All(answers, a => Assert.Equal(id, a.GetProperty("result").GetProperty("image_id").GetString()));
    }

    [Fact]
    public async Task Batch_limits_refuse_the_whole_call_with_problem_details()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?>
        {
            ["Verifier:Limits:MaxBatchItems"] = "3",
            ["Verifier:Limits:MaxMessageBytes"] = "65536",
        });
        var item = new { image_id = new string('f', 64), text = "a cat" };
        await AssertProblem(host, JsonContent.Create(new[] { item, item, item, item }), HttpStatusCode.BadRequest, "the limit is 3");
        await AssertProblem(host, JsonContent.Create(Array.Empty<object>()), HttpStatusCode.BadRequest, "no items");
        await AssertProblem(host, JsonContent.Create(new { image_id = "x" }), HttpStatusCode.BadRequest, "JSON array");
        var big = new { image_base64 = Convert.ToBase64String(new byte[70_000]), text = "a cat" };
        await AssertProblem(host, new StringContent(JsonSerializer.Serialize(new[] { big }), System.Text.Encoding.UTF8, "application/json"),
            HttpStatusCode.RequestEntityTooLarge, "65536");
        var form = new MultipartFormDataContent { { new StringContent("[]"), "items" } };
        await AssertProblem(host, form, HttpStatusCode.UnsupportedMediaType, "application/json");
    }

    static async Task AssertProblem(VerifierHost host, HttpContent body, HttpStatusCode status, string detail)
    {
        // Expect: 100-continue, as curl sends it for large bodies: a body refused unread is then never sent, instead of the
        // connection closing under a client still sending it.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/score/batch") { Content = body };
        request.Headers.ExpectContinue = true;
        using var response = await host.Http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }
}
