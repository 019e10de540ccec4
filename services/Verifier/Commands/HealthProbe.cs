using System.CommandLine;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// <c>health [--address URL] [--service NAME] [--timeout SECONDS]</c>: one standard gRPC health check
/// (<c>grpc.health.v1.Health/Check</c>, cleartext HTTP/2) against a running verifier, for container HEALTHCHECKs and
/// scripts. It starts no web host and loads no model, so it costs a fraction of a second. The address defaults to
/// this machine's verifier port: the first of <c>ASPNETCORE_HTTP_PORTS</c>, else the port of the first
/// <c>ASPNETCORE_URLS</c> entry, else 5000. Health is open without the API key, so no key is needed.
/// Exit codes: 0 SERVING, 1 answered but not serving (or unknown service), 2 usage error, 3 no answer.
/// </summary>
public static class HealthProbe
{
    public const int Serving = 0;
    public const int NotServing = 1;
    public const int UsageError = 2;
    public const int NoAnswer = 3;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var addressOption = new Option<string>("--address") { Description = "The verifier (default: this machine's verifier port)", HelpName = "URL" };
        var serviceOption = new Option<string>("--service") { Description = "Service name to check (default: the server)", HelpName = "NAME", DefaultValueFactory = _ => "" };
        var timeoutOption = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the answer", HelpName = "SECONDS", DefaultValueFactory = _ => 3,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0) return 3;
                if (double.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.Float,
                        System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0) return seconds;
                result.AddError($"--timeout must be a positive number of seconds, not '{result.Tokens[0].Value}'.");
                return 0;
            },
        };
        var command = new Command("health", "gRPC health check of a running verifier (exit 0 serving, 1 not serving, 3 unreachable)")
        {
            addressOption, serviceOption, timeoutOption,
        };
        command.SetAction((parse, _) => CheckAsync(parse.GetValue(addressOption), parse.GetValue(serviceOption) ?? "",
            TimeSpan.FromSeconds(parse.GetValue(timeoutOption)), output, error));
        return command;
    }

    /// <summary>The subcommand's arguments (after <c>health</c>), parsed as <c>FiSAO.Verifier health ...</c> parses them.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        VerifierCli.RunAsync(["health", .. args], output, error);

    static async Task<int> CheckAsync(string? address, string service, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        address ??= DefaultAddress(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"), Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error.WriteLine($"health: '{address}' is not an http:// or https:// address");
            return UsageError;
        }

        using var handler = new SocketsHttpHandler { ConnectTimeout = timeout };
        using var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        var client = new Health.HealthClient(channel);
        try
        {
            var reply = await client.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow + timeout);
            if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
            {
                output.WriteLine("SERVING");
                return Serving;
            }
            error.WriteLine($"health: {uri} answers {reply.Status} for service '{service}'");
            return NotServing;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            error.WriteLine($"health: {uri} does not know service '{service}'");
            return NotServing;
        }
        catch (RpcException e)
        {
            error.WriteLine($"health: no answer from {uri} ({e.StatusCode}: {e.Status.Detail})");
            return NoAnswer;
        }
    }

    /// <summary>The local address the verifier listens on, from the same environment variables ASP.NET Core reads.</summary>
    public static string DefaultAddress(string? httpPorts, string? urls)
    {
        var port = FirstPort(httpPorts) ?? FirstUrlPort(urls) ?? 5000;
        return $"http://127.0.0.1:{port}";
    }

    static int? FirstPort(string? ports)
    {
        foreach (var part in (ports ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(part, out var port) && port is > 0 and < 65536) return port;
        return null;
    }

    static int? FirstUrlPort(string? urls)
    {
        foreach (var part in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) continue;   // the probe speaks cleartext h2c
            var hostPort = part["http://".Length..].Split('/')[0];
            var colon = hostPort.LastIndexOf(':');
            if (colon >= 0 && int.TryParse(hostPort[(colon + 1)..], out var port) && port is > 0 and < 65536) return port;
            if (colon < 0) return 80;
        }
        return null;
    }
}
