using System.Net;
using System.Net.Sockets;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.Commands;

namespace FiSAO.Verifier.Tests.Commands;

/// <summary>The <c>health</c> subcommand the container images use as HEALTHCHECK, against a real verifier.</summary>
public class HealthProbeTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static async Task<(int Code, string Out, string Err)> Probe(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await HealthProbe.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_running_verifier_is_serving()
    {
        var (code, output, error) = await Probe("--address", fixture.Host.Address);
        Assert.True(code == HealthProbe.Serving, error);
        Assert.Equal("SERVING", output.Trim());
    }

    [Fact]
    public async Task The_verifier_service_name_is_serving_and_an_unknown_one_is_not()
    {
        Assert.Equal(HealthProbe.Serving, (await Probe("--address", fixture.Host.Address, "--service", "fisao.verifier.v1.Verifier")).Code);
        var unknown = await Probe("--address", fixture.Host.Address, "--service", "no.such.Service");
        Assert.Equal(HealthProbe.NotServing, unknown.Code);
        Assert.Contains("does not know service 'no.such.Service'", unknown.Err);
    }

    [Fact]
    public async Task Health_needs_no_api_key()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:ApiKey"] = "s3cret" });
        Assert.Equal(HealthProbe.Serving, (await Probe("--address", host.Address)).Code);
    }

    [Fact]
    public async Task A_closed_port_is_no_answer()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var (code, _, error) = await Probe("--address", $"http://127.0.0.1:{port}", "--timeout", "2");
        Assert.Equal(HealthProbe.NoAnswer, code);
        Assert.Contains("no answer from", error);
    }

    [Fact]
    public async Task A_port_that_accepts_but_never_answers_times_out()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, error) = await Probe("--address", $"http://127.0.0.1:{port}", "--timeout", "1");
        Assert.Equal(HealthProbe.NoAnswer, code);
        Assert.Contains("DeadlineExceeded", error);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--address")]
    [InlineData("--timeout", "0")]
    [InlineData("--address", "ftp://host:1")]
    public async Task Bad_arguments_are_usage_errors(params string[] args) =>
        Assert.Equal(HealthProbe.UsageError, (await Probe(args)).Code);

    [Theory]
    [InlineData("5000", null, "http://127.0.0.1:5000")]
    [InlineData("8080;9090", "http://+:7000", "http://127.0.0.1:8080")]
    [InlineData(null, "http://0.0.0.0:7000;https://+:7001", "http://127.0.0.1:7000")]
    [InlineData("", "https://+:7001;http://[::]:7002", "http://127.0.0.1:7002")]
    [InlineData(null, "http://localhost", "http://127.0.0.1:80")]
    [InlineData(null, null, "http://127.0.0.1:5000")]
    public void The_default_address_follows_aspnetcore_environment(string? httpPorts, string? urls, string expected) =>
        Assert.Equal(expected, HealthProbe.DefaultAddress(httpPorts, urls));
}
