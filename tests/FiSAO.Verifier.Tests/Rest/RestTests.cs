using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

public class RestTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static MultipartFormDataContent Form(byte[] image, string field, string value)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "scene.png");
        form.Add(new StringContent(value), field);
        return form;
    }

    [Fact]
    public async Task Score_with_a_caption_splits_words_and_marks_mentions()
    {
        using var response = await fixture.Host.Http.PostAsync("/v1/score", Form(TestImages.Png(11), "text", "Two dogs chase a frisbee near the traffic lights."));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        var tokens = root.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(["Two", "dogs", "chase", "a", "frisbee", "near", "the", "traffic", "lights", "."], tokens);
        Assert.Equal(tokens.Count, root.GetProperty("rewards").GetArrayLength());
        var mentions = root.GetProperty("mentions").EnumerateArray()
            .Select(m => (m.GetProperty("entity").GetString(), m.GetProperty("token_start").GetInt32(), m.GetProperty("token_end").GetInt32(), m.GetProperty("verdict").GetString()))
            .ToList();
        Assert.Equal([("dog", 1, 2, "neutral"), ("frisbee", 4, 5, "neutral"), ("traffic light", 7, 9, "neutral")], mentions);
        Assert.Equal(64, root.GetProperty("image_id").GetString()!.Length);
        Assert.False(root.GetProperty("calibrated").GetBoolean());
    }

    [Fact]
    public async Task Score_with_tokens_takes_a_json_array_and_rejects_malformed_json()
    {
        using var ok = await fixture.Host.Http.PostAsync("/v1/score", Form(TestImages.Png(12), "tokens", "[\"▁a\", \"▁cat\"]"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"cat\"", await ok.Content.ReadAsStringAsync());

        using var bad = await fixture.Host.Http.PostAsync("/v1/score", Form(TestImages.Png(12), "tokens", "[\"▁a\", "));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("JSON array of strings", await bad.Content.ReadAsStringAsync());

        using var neither = new MultipartFormDataContent();
        neither.Add(new ByteArrayContent(TestImages.Png(12)), "image", "x.png");
        using var missing = await fixture.Host.Http.PostAsync("/v1/score", neither);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Embed_answers_text_as_json_and_images_as_multipart_with_the_grpc_features()
    {
        using var text = await fixture.Host.Http.PostAsJsonAsync("/v1/embed", new { text = "a photo of a dog" });
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        using var textJson = JsonDocument.Parse(await text.Content.ReadAsStringAsync());
        Assert.Equal(TinyClipFolder.ProjectionDim, textJson.RootElement.GetProperty("embedding").GetArrayLength());
        Assert.StartsWith("model@", textJson.RootElement.GetProperty("model").GetString());

        var png = TestImages.Png(13);
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(png), "image", "x.png");
        using var image = await fixture.Host.Http.PostAsync("/v1/embed", form);
        using var imageJson = JsonDocument.Parse(await image.Content.ReadAsStringAsync());
        var rest = imageJson.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var grpc = await fixture.Host.Client.EmbedAsync(new V1.EmbedRequest { Image = new V1.ImageRef { Data = Google.Protobuf.ByteString.CopyFrom(png) } });
        Assert.Equal(grpc.Embedding.ToArray(), rest);

        // The empty text embeds (EmptyTextTests); a body without "text" does not.
        using var missing = await fixture.Host.Http.PostAsJsonAsync("/v1/embed", new { caption = "a dog" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Info_swagger_and_metrics_are_served()
    {
        var info = await fixture.Host.Http.GetFromJsonAsync<JsonElement>("/v1/info");
        Assert.Equal(32, info.GetProperty("image_size").GetInt32());
        Assert.True(info.GetProperty("entity_set").GetProperty("surface_form_count").GetInt32() > 4000);
        Assert.Equal(0, info.GetProperty("settings").GetProperty("margin").GetDouble());

        var swagger = await fixture.Host.Http.GetStringAsync("/swagger/v1/swagger.json");
        Assert.Contains("/v1/score", swagger);
        Assert.Contains("multipart/form-data", swagger);
        Assert.Contains("binary", swagger);   // the image is an upload field in Swagger UI
        Assert.Equal(HttpStatusCode.OK, (await fixture.Host.Http.GetAsync("/swagger/index.html")).StatusCode);

        await fixture.Host.Client.GetInfoAsync(new V1.GetInfoRequest());
        var metrics = await fixture.Host.Http.GetStringAsync("/metrics");
        Assert.Contains("fisao_verifier_requests_total{method=\"GetInfo\",code=\"OK\"}", metrics);
        Assert.Contains("fisao_verifier_request_seconds_bucket", metrics);
        Assert.Contains("fisao_verifier_queue_depth", metrics);
        Assert.Contains("fisao_verifier_image_cache_lookups_total", metrics);
    }
}
