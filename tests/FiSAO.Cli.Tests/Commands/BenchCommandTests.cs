using System.Text.Json;
using FiSAO.Cli.Tests.Support;

namespace FiSAO.Cli.Tests.Commands;

public class BenchCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Theory]
    [InlineData("--cached")]
    [InlineData("--uncached")]
    public async Task Bench_prints_throughput_in_req_per_s_and_latency_percentiles(string mode)
    {
        var run = await Fisao.RunAsync("bench", "--server", fixture.Verifier.Address, "--duration", "1", "--concurrency", "2",
            "--tokens", "16", "--image-size", "64", mode);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Matches(@"(?m)^throughput: \d+(\.\d+)? req/s$", run.Out);
        Assert.Matches(@"(?m)^latency: p50 \d+\.\d\d ms, p90 \d+\.\d\d ms, p99 \d+\.\d\d ms, max \d+\.\d\d ms$", run.Out);
        Assert.Matches(@"(?m)^requests: [1-9]\d* ok, 0 failed", run.Out);
    }

    [Fact]
    public async Task Bench_json_reports_the_same_measurements()
    {
        var run = await Fisao.RunAsync("bench", "--server", fixture.Verifier.Address, "--duration", "0.5", "--concurrency", "1", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var result = JsonDocument.Parse(run.Out).RootElement;
        Assert.True(result.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(0, result.GetProperty("failed").GetInt64());
        var latency = result.GetProperty("latency_ms");
        Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p99").GetDouble());
        // requests / seconds, both as printed (rounded): within 1 %.
        var expected = result.GetProperty("requests").GetInt64() / result.GetProperty("seconds").GetDouble();
        Assert.InRange(result.GetProperty("requests_per_second").GetDouble(), expected * 0.99, expected * 1.01);
    }

    [Fact]
    public async Task Cached_and_uncached_together_is_a_usage_error()
    {
        var run = await Fisao.RunAsync("bench", "--server", fixture.Verifier.Address, "--cached", "--uncached");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("not both", run.Error);
    }
}
