using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>Every REST error is application/problem+json with the status the OpenAPI document gives it.</summary>
public class RestErrorTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task A_body_that_is_neither_json_nor_multipart_is_415()
    {
        foreach (var path in new[] { "/v1/score", "/v1/embed", "/v1/score/batch" })
        {
            await AssertProblem(await fixture.Host.Http.PostAsync(path, new StringContent("a dog", System.Text.Encoding.UTF8, "text/plain")),
                HttpStatusCode.UnsupportedMediaType, "text/plain");
            await AssertProblem(await fixture.Host.Http.PostAsync(path, new FormUrlEncodedContent([new("text", "a dog")])),
                HttpStatusCode.UnsupportedMediaType, "application/x-www-form-urlencoded");
        }
    }

    [Fact]
    public async Task A_wrong_method_is_405_with_allow()
    {
        foreach (var (method, path, allowed) in new[] { ("GET", "/v1/score", "POST"), ("PUT", "/v1/score/batch", "POST"),
                     ("DELETE", "/v1/embed", "POST"), ("POST", "/v1/info", "GET, HEAD") })
        {
            using var response = await fixture.Host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            await AssertProblem(response, HttpStatusCode.MethodNotAllowed, allowed);
            Assert.Equal(allowed.Split(", "), response.Content.Headers.Allow);
        }
        // An unknown path stays 404, as problem details.
        await AssertProblem(await fixture.Host.Http.GetAsync("/v1/nothing/here"), HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Head_on_info_answers_as_get_without_a_body()
    {
        using var get = await fixture.Host.Http.GetAsync("/v1/info");
        using var head = await fixture.Host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/info"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_form_without_an_image_is_a_400_problem_naming_the_field()
    {
        var form = new MultipartFormDataContent { { new StringContent("a dog"), "text" } };
        await AssertProblem(await fixture.Host.Http.PostAsync("/v1/score", form), HttpStatusCode.BadRequest, "`image`");
        var empty = new MultipartFormDataContent { { new ByteArrayContent([]), "image", "x.png" }, { new StringContent("a dog"), "text" } };
        await AssertProblem(await fixture.Host.Http.PostAsync("/v1/score", empty), HttpStatusCode.BadRequest, "empty");
    }

    [Fact]
    public async Task A_missing_api_key_is_a_401_problem()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:ApiKey"] = "s3cret" });
        using var anonymous = new HttpClient { BaseAddress = new Uri(host.Address) };
        await AssertProblem(await anonymous.PostAsJsonAsync("/v1/embed", new { text = "a dog" }), HttpStatusCode.Unauthorized, "x-api-key");
    }

    [Fact]
    public async Task A_full_encoding_queue_answers_429_with_retry_after()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?>
        {
            ["Verifier:Batching:QueueCapacity"] = "1",
            ["Verifier:Batching:MaxBatchSize"] = "1",
            ["Verifier:Batching:MaxQueueDelayMs"] = "0",
        });
        // Waves of concurrent uncached requests until the queue has overflowed at least once (arrivals over HTTP/1.1
        // connections may trickle in on a loaded machine).
        var busy = 0;
        for (var wave = 0; wave < 5 && busy == 0; wave++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => host.Http.PostAsJsonAsync("/v1/score",
                new { image_base64 = Convert.ToBase64String(TestImages.Png(6000 + 1000 * wave + i, 256, 256)), text = "a dog" })));
            try
            {
                Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {r.StatusCode}"));
                Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
                foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
                {
                    busy++;
                    Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
                    await AssertProblem(response, HttpStatusCode.TooManyRequests, "queue is full");
                }
            }
            finally { foreach (var r in responses) r.Dispose(); }
        }
        Assert.True(busy > 0, "the encoding queue never overflowed");
    }

    [Fact]
    public async Task Rest_calls_are_counted_like_grpc_calls_and_metrics_keep_prometheus_names()
    {
        await fixture.Host.Http.GetAsync("/v1/info");
        await fixture.Host.Http.PostAsync("/v1/score", new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));
        var metrics = await fixture.Host.Http.GetStringAsync("/metrics");
        Assert.Contains("fisao_verifier_requests_total{method=\"GET /v1/info\",code=\"200\"}", metrics);
        Assert.Contains("fisao_verifier_requests_total{method=\"POST /v1/score\",code=\"415\"}", metrics);
        Assert.Contains("fisao_verifier_request_seconds_bucket{method=\"GET /v1/info\"", metrics);

        // No bridged .NET meters (msquic internals, Kestrel, System.Net): every counter is *_total.
        Assert.DoesNotContain("msquic", metrics, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("kestrel", metrics, StringComparison.OrdinalIgnoreCase);
        var counters = metrics.Split('\n').Where(l => l.StartsWith("# TYPE ") && l.EndsWith(" counter")).Select(l => l.Split(' ')[2]).ToList();
        Assert.NotEmpty(counters);
        Assert.All(counters, name => Assert.EndsWith("_total", name));
    }

    static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? detail)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            if (detail is not null) Assert.Contains(detail, problem.GetProperty("detail").GetString());
        }
    }
}
