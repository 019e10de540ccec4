using FiSAO.Verifier.Extensions;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using V1 = FiSAO.Verifier.V1;

namespace FiSAO.Verifier.Tests.Support;

/// <summary>
/// The real verifier host (same wiring as Program.cs) on Kestrel at 127.0.0.1 with an OS-chosen port, with a
/// real gRPC channel and HTTP client to it. Nothing is mocked.
/// </summary>
public sealed class VerifierHost : IAsyncDisposable
{
    readonly WebApplication _app;

    VerifierHost(WebApplication app, string address, string? apiKey)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            MaxSendMessageSize = 256 * 1024 * 1024,
        });
        Client = new V1.Verifier.VerifierClient(Channel);
        Http = new HttpClient { BaseAddress = new Uri(address) };
        if (apiKey is not null) Http.DefaultRequestHeaders.Add("x-api-key", apiKey);
    }

    public string Address { get; }
    public GrpcChannel Channel { get; }
    public V1.Verifier.VerifierClient Client { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;

    public static Task<VerifierHost> StartAsync(string modelDirectory, string dataDirectory,
        IReadOnlyDictionary<string, string?>? settings = null, params string[] extraArgs) =>
        StartAsync(modelDirectory, dataDirectory, settings, logs: null, extraArgs);

    /// <summary>As above; <paramref name="logs"/> also receives every log entry of Warning and above.</summary>
    public static async Task<VerifierHost> StartAsync(string modelDirectory, string dataDirectory,
        IReadOnlyDictionary<string, string?>? settings, ILoggerProvider? logs, params string[] extraArgs)
    {
        // Hosts of a test class share the data directory (its feature cache); each keeps the calibrations applied to it to
        // itself unless a test shares a store on purpose, as replicas do.
        var ownStore = settings?.ContainsKey("Verifier:CalibrationDirectory") == true || extraArgs.Contains("--Verifier:CalibrationDirectory")
            ? []
            : new[] { "--Verifier:CalibrationDirectory", Path.Combine(dataDirectory, $"calibrations-{Guid.NewGuid():N}") };
        var args = new[] { "--urls", "http://127.0.0.1:0", "--model", modelDirectory, "--data-dir", dataDirectory }
            .Concat(ownStore).Concat(extraArgs).ToArray();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Testing" });
        if (Environment.GetEnvironmentVariable("FISAO_TEST_LOGS") != "1") builder.Logging.ClearProviders();
        builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        if (logs is not null) builder.Logging.AddProvider(logs);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVerifier(args);
        var app = builder.Build();
        app.MapVerifier();
        await app.StartAsync();
        var apiKey = builder.Configuration["Verifier:ApiKey"];
        return new VerifierHost(app, app.Urls.First(), string.IsNullOrEmpty(apiKey) ? null : apiKey);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One tiny model folder and one uncalibrated verifier shared by a test class.</summary>
public sealed class VerifierFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "fisao-verifier-tests", Guid.NewGuid().ToString("N"));
    public string ModelDirectory => Path.Combine(Root, "model");
    public string DataDirectory => Path.Combine(Root, "data");
    public VerifierHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TinyClipFolder.Write(ModelDirectory);
        Host = await VerifierHost.StartAsync(ModelDirectory, DataDirectory);
    }

    public Task<VerifierHost> StartAnotherAsync(IReadOnlyDictionary<string, string?>? settings = null, params string[] args) =>
        VerifierHost.StartAsync(ModelDirectory, DataDirectory, settings, args);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
