using System.Text.Json;
using FiSAO.Rewards;
using FiSAO.Verifier.Calibrations;
using FiSAO.Verifier.Grpc;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Rest;
using FiSAO.Verifier.Scoring;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;
using V1 = FiSAO.Verifier.V1;
using FiSAO.Verifier.Http;
using FiSAO.Verifier.Observability;

namespace FiSAO.Verifier.Extensions;

public static class VerifierExtensions
{
    /// <summary>Short command-line switches of the run contract, mapped onto configuration keys.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--model"] = "Verifier:ModelPath",
        ["--calibration"] = "Verifier:CalibrationPath",
        ["--entities"] = "Verifier:EntitiesPath",
        ["--device"] = "Verifier:Device",
        ["--dtype"] = "Verifier:DType",
        ["--data-dir"] = "Verifier:DataDirectory",
        ["--api-key"] = "Verifier:ApiKey",
        ["--admin-key"] = "Verifier:AdminApiKey",
    };

    /// <summary>The run contract's switches (<see cref="SwitchMappings"/>) and <c>--Verifier:Setting value</c> pairs.</summary>
    public static IConfigurationBuilder AddVerifierCommandLine(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(args, SwitchMappings);

    /// <summary>
    /// The engine and its settings from configuration: what the web host serves and what the subcommands (e.g.
    /// <c>calibrate</c>) build without a web host, so both start the engine through the same code.
    /// </summary>
    public static IServiceCollection AddVerifierEngine(this IServiceCollection services, IConfiguration configuration)
    {
        var rewards = configuration.GetSection($"{VerifierOptions.Section}:Rewards").Get<RewardSettings>() ?? new RewardSettings();
        services.AddOptions<VerifierOptions>().Bind(configuration.GetSection(VerifierOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(rewards);
        services.AddSingleton(sp => VerifierStartup.CreateEngine(sp.GetRequiredService<IOptions<VerifierOptions>>().Value,
            rewards, sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    public static WebApplicationBuilder AddVerifier(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddVerifierCommandLine(args);
        // Kestrel warns that cleartext HTTP/2 is off; CleartextHttp2 turns it on per connection, so the warning misleads.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        var options = builder.Configuration.GetSection(VerifierOptions.Section).Get<VerifierOptions>() ?? new VerifierOptions();
        var services = builder.Services;

        services.AddVerifierEngine(builder.Configuration);
        services.AddHostedService<CalibrationWatcher>();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            CleartextHttp2.Enable(kestrel);
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxMessageBytes;
            // TLS itself is standard Kestrel configuration (Kestrel:Endpoints:*:Certificate); this adds a private client CA.
            if (!string.IsNullOrWhiteSpace(options.ClientCaPath))
                kestrel.ConfigureHttpsDefaults(https => ClientCertificates.Configure(https, options.ClientCaPath));
        });
        services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = options.Limits.MaxMessageBytes);
        // Kestrel's transport receives into blocks of its memory pool: 4 KiB by default, so a 172 KiB upload took about 43
        // receive calls. With 64 KiB blocks it takes about 3: +15-25 % cached multipart requests/s (README, Benchmarks).
        // Kestrel still waits for data before taking a block, so an idle connection holds none.
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();

        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Limits.MaxMessageBytes;
            grpc.EnableDetailedErrors = false;
            // Outermost first: metrics see the status the error interceptor mapped.
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
        });
        services.AddGrpcReflection();
        // grpc.health.v1: "" (the server) and the contract's service name both report the verifier's checks.
        services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("", _ => true);
            health.Services.Map(V1.Verifier.Descriptor.FullName, _ => true);
        }).AddCheck("verifier", () => HealthCheckResult.Healthy());

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new()
            {
                Title = "FiSAO verifier",
                Version = "v1",
                Description = "Token-level hallucination scores from a CLIP fine-grained verifier (FiSAO, ICLR 2025). " +
                              "The same engine serves gRPC (fisao.verifier.v1.Verifier) on this port.",
            });
            RestOpenApi.Configure(swagger);
        });
        return builder;
    }

    public static WebApplication MapVerifier(this WebApplication app)
    {
        // Build the engine now, so a bad model or calibration stops start-up with a clear message.
        var engine = app.Services.GetRequiredService<VerifierEngine>();
        PrometheusExport.Configure();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() => VerifierMetrics.QueueDepth.Set(engine.QueueDepth));

        // Errors without a body (unknown route 404, wrong method 405, unexpected failures 500) become problem details too.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RestMetricsMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseHttpMetrics();
        app.UseSwagger();
        app.UseSwaggerUI();

        app.MapGrpcService<VerifierGrpcService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/healthz");
        app.MapMetrics("/metrics");
        app.MapVerifierRest();
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
        return app;
    }
}
