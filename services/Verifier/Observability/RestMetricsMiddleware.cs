using System.Diagnostics;

namespace FiSAO.Verifier.Observability;

/// <summary>
/// Counts and times REST calls (<c>/v1/...</c>) in the series gRPC calls use: <c>fisao_verifier_requests_total</c> and
/// <c>fisao_verifier_request_seconds</c>, method = "POST /v1/score" (the route, so unknown paths add no series), code =
/// the HTTP status. Runs before the API-key check, so refused calls (401) are counted too.
/// </summary>
public sealed class RestMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            var method = route is null ? "unmatched" : $"{context.Request.Method} /{route.TrimStart('/')}";
            VerifierMetrics.Requests.WithLabels(method, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            VerifierMetrics.Latency.WithLabels(method).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }
}
