using System.Net;
using System.Net.Http.Headers;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Verifier.Tests.Grpc;

/// <summary>Each bad input gets the right status and a message naming the problem, and the service stays up.</summary>
public class BadInputTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    public static TheoryData<string, StatusCode, string> Cases => new()
    {
        { "undecodable", StatusCode.InvalidArgument, "image" },
        { "truncated", StatusCode.InvalidArgument, "truncated" },
        { "bomb", StatusCode.InvalidArgument, "limit" },
        { "zero-size", StatusCode.InvalidArgument, "image" },
        { "no-image", StatusCode.InvalidArgument, "no image" },
        { "empty-tokens", StatusCode.InvalidArgument, "token list is empty" },
        { "too-many-tokens", StatusCode.InvalidArgument, "limit is 4096" },
        { "unknown-id", StatusCode.NotFound, "Unknown image id" },
        { "bad-format", StatusCode.InvalidArgument, "token_format" },
        { "oversized-message", StatusCode.ResourceExhausted, "" },
    };

    static ScoreTokensRequest Build(string kind)
    {
        var png = TestImages.Png(9);
        var request = new ScoreTokensRequest { Image = new ImageRef { Data = ByteString.CopyFrom(png) }, Tokens = { "▁a", "▁dog" } };
        switch (kind)
        {
            case "undecodable": request.Image.Data = ByteString.CopyFromUtf8("GIF89a? certainly not"); break;
            case "truncated": request.Image.Data = ByteString.CopyFrom(png.AsSpan(0, png.Length / 2)); break;
            case "bomb": request.Image.Data = ByteString.CopyFrom(TestImages.PngHeaderClaiming(100_000, 100_000)); break;
            case "zero-size": request.Image.Data = ByteString.CopyFrom(TestImages.PngHeaderClaiming(0, 10)); break;
            case "no-image": request.Image = null; break;
            case "empty-tokens": request.Tokens.Clear(); break;
            case "too-many-tokens": request.Tokens.AddRange(Enumerable.Repeat("▁dog", 5000)); break;
            case "unknown-id": request.Image = new ImageRef { ImageId = "feedface" }; break;
            case "bad-format": request.TokenFormat = (TokenFormat)42; break;
            case "oversized-message": request.Image.Data = ByteString.CopyFrom(new byte[65 * 1024 * 1024]); break;
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_clear_status_and_the_service_keeps_serving(string kind, StatusCode expected, string messagePart)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Host.Client.ScoreTokensAsync(Build(kind)));
        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(messagePart, error.Status.Detail, StringComparison.OrdinalIgnoreCase);

        var ok = await fixture.Host.Client.ScoreTokensAsync(Build("valid"));
        Assert.Equal(2, ok.Rewards.Count);
    }

    [Fact]
    public async Task An_empty_batch_and_an_over_long_batch_are_invalid()
    {
        var empty = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Host.Client.ScoreTokensBatchAsync(new ScoreTokensBatchRequest()));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);

        var tooLong = new ScoreTokensBatchRequest();
        for (int i = 0; i < 1025; i++) tooLong.Items.Add(new ScoreTokensRequest { Image = new ImageRef { ImageId = "x" }, Tokens = { "a" } });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Host.Client.ScoreTokensBatchAsync(tooLong));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limit is 1024", error.Status.Detail);
    }

    [Fact]
    public async Task An_expired_deadline_is_reported_and_does_not_hurt_later_calls()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Host.Client.ScoreTokensAsync(Build("valid"), deadline: DateTime.UtcNow.AddMilliseconds(-1)));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(2, (await fixture.Host.Client.ScoreTokensAsync(Build("valid"))).Rewards.Count);
    }

    [Theory]
    [InlineData("undecodable", HttpStatusCode.BadRequest)]
    [InlineData("bomb", HttpStatusCode.BadRequest)]
    [InlineData("oversized", HttpStatusCode.RequestEntityTooLarge)]
    public async Task Rest_answers_bad_images_with_problem_details(string kind, HttpStatusCode expected)
    {
        byte[] bytes = kind switch
        {
            "undecodable" => "hello"u8.ToArray(),
            "bomb" => TestImages.PngHeaderClaiming(100_000, 100_000),
            _ => new byte[17 * 1024 * 1024],
        };
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "x.png");
        form.Add(new StringContent("a dog"), "text");
        using var response = await fixture.Host.Http.PostAsync("/v1/score", form);
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("detail", await response.Content.ReadAsStringAsync());
    }
}
