using System.Net;
using System.Net.Sockets;
using FiSAO.Verifier.Tests.Support;
using Microsoft.Extensions.Logging;
using V1 = FiSAO.Verifier.V1;
using FiSAO.Verifier.Http;

namespace FiSAO.Verifier.Tests.Http;

/// <summary>gRPC (h2c) and REST share one cleartext port; clients that go away early are not errors.</summary>
public class CleartextHttp2Tests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Grpc_and_rest_are_served_on_the_same_port()
    {
        var info = await fixture.Host.Client.GetInfoAsync(new V1.GetInfoRequest());
        Assert.False(string.IsNullOrEmpty(info.ModelId));
        using var health = await fixture.Host.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData(0)]     // reset before the first byte
    [InlineData(10)]    // reset after part of the HTTP/2 preface
    public async Task A_client_that_resets_its_connection_early_logs_no_error_and_the_service_goes_on(int prefaceBytes)
    {
        var logs = new CapturedLogs();
        await using var host = await VerifierHost.StartAsync(fixture.ModelDirectory, fixture.DataDirectory, settings: null, logs);
        var port = new Uri(host.Address).Port;
        for (var i = 0; i < 5; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            if (prefaceBytes > 0) await socket.SendAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray().AsMemory(0, prefaceBytes));
            await Task.Delay(50);
            socket.LingerState = new LingerOption(true, 0);   // close with RST, as a killed client does
            socket.Close();
        }
        await Task.Delay(500);

        var info = await host.Client.GetInfoAsync(new V1.GetInfoRequest());
        Assert.False(string.IsNullOrEmpty(info.ModelId));
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception?.GetType().Name}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
