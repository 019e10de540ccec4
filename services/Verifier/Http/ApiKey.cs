using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Http;

/// <summary>Optional shared-secret check: when <see cref="VerifierOptions.ApiKey"/> is set, every call but health
/// checks must carry it in the <c>x-api-key</c> header (HTTP) or metadata entry (gRPC).</summary>
public static class ApiKey
{
    public const string Header = "x-api-key";

    /// <summary>Carries <see cref="VerifierOptions.AdminApiKey"/>: needed to apply a calibration when one is set.</summary>
    public const string AdminHeader = "x-admin-key";

    public static bool Matches(string? expected, string? given) =>
        expected is null || (given is not null &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given)));

    /// <summary>Paths open without a key: health probes, metrics scraping and the Swagger UI shell.</summary>
    public static bool IsOpen(PathString path) =>
        path.StartsWithSegments("/grpc.health.v1.Health") || path.StartsWithSegments("/healthz") ||
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/swagger") || path == "/";
}

/// <summary>Rejects gRPC and REST calls without the configured key (UNAUTHENTICATED / HTTP 401).</summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<VerifierOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var expected = options.Value.ApiKey;
        if (string.IsNullOrEmpty(expected) || ApiKey.IsOpen(context.Request.Path) ||
            ApiKey.Matches(expected, context.Request.Headers[ApiKey.Header].FirstOrDefault()))
            return next(context);

        const string message = "Missing or wrong API key: send it in the x-api-key header.";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // gRPC status travels in trailers-only responses: HTTP 200 with grpc-status.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString();
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return Task.CompletedTask;
        }
        // Problem details like every other REST error (application/problem+json).
        return Results.Problem(title: "Unauthenticated", detail: message, statusCode: StatusCodes.Status401Unauthorized)
            .ExecuteAsync(context);
    }
}
