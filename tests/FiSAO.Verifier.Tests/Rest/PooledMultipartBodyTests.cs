using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>A multipart body lives in an array rented from the shared pool and returned when the request ends: bodies
/// of unknown length grow in it without losing bytes, the limits still hold, and an encoding that outlives its request
/// works on its own copy of the image, not on an array another request may already be reusing.</summary>
public class PooledMultipartBodyTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task A_chunked_body_larger_than_its_first_array_arrives_whole()
    {
        // No Content-Length: the body starts in a 64 KiB array and moves to larger rented ones as it arrives.
        var png = TestImages.Png(61, 320, 320);
        Assert.True(png.Length > 200 * 1024, $"{png.Length} bytes");
        var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "big.png" }, { new StringContent("a dog"), "text" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/score") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        using var response = await fixture.Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        // The id is the SHA-256 of the bytes the verifier read: any byte lost or misplaced in the moves would change it.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), answer.RootElement.GetProperty("image_id").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_the_message_limit_is_413()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:Limits:MaxMessageBytes"] = "200000" });
        // Over the limit but under 256 KiB, the length of the pooled array a 200,000-byte request rents: the limit is on
        // the bytes read, not on the array.
        var png = TestImages.Png(62, 280, 272);
        Assert.InRange(png.Length, 210_000, 250_000);
        var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "big.png" }, { new StringContent("a dog"), "text" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/score") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        using var response = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("200000", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_encoding_its_request_gave_up_on_reads_its_own_copy_of_a_borrowed_image()
    {
        var engine = fixture.Host.Services.GetRequiredService<VerifierEngine>();
        var png = TestImages.Png(63, 64, 56);
        var id = Convert.ToHexStringLower(SHA256.HashData(png));
        var borrowed = png.ToArray();
        using var gaveUp = new CancellationTokenSource();
        await gaveUp.CancelAsync();

        // The request stops waiting at once, but the encoding it started goes on (others may wait on it); the caller
        // reuses its array as soon as the call returns, as a multipart body's pooled array is.
        var call = engine.ScoreAsync(ImageInput.FromBorrowedBytes(borrowed), ["a", "dog"], FiSAO.Rewards.Alignment.TokenFormat.Plain, gaveUp.Token);
        Array.Fill(borrowed, (byte)0);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // The encoding finishes from the image's bytes, so the image is then known by its id with the features of that image.
        var (features, _) = await engine.EmbedImageAsync(ImageInput.FromId(id), CancellationToken.None);
        var expected = engine.Model.EncodeImages([engine.Model.Images.PreprocessImage(png)])[0];
        Assert.Equal(expected.Length, features.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], features[i], 1e-4f);
    }

    [Fact]
    public async Task Many_concurrent_uploads_of_different_images_each_get_their_own_image_id()
    {
        // Pooled arrays are reused across requests at once: every answer must still name the bytes its request sent.
        var images = Enumerable.Range(0, 24).Select(i => TestImages.Png(700 + i, 160, 160)).ToList();
        var ids = await Task.WhenAll(images.Select(async png =>
        {
            var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "x.png" }, { new StringContent("a dog"), "text" } };
            using var response = await fixture.Host.Http.PostAsync("/v1/score", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("image_id").GetString();
        }));
        Assert.Equal(images.Select(png => Convert.ToHexStringLower(SHA256.HashData(png))), ids);
    }
}
