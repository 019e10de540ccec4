using Prometheus;

namespace FiSAO.Verifier.Observability;

/// <summary>
/// What /metrics exports besides the verifier's own series: process metrics and prometheus-net's HTTP and gRPC series.
/// prometheus-net's default bridges from .NET meters and event counters are off: they publish every meter of the process
/// (msquic's internals, Kestrel, System.Net) under names that break Prometheus conventions (counters without
/// <c>_total</c>, seconds and bytes without units).
/// </summary>
public static class PrometheusExport
{
    static int _configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return;
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressMeters = true,
            SuppressEventCounters = true,
            SuppressDebugMetrics = true,
            SuppressProcessMetrics = false,
        });
    }
}
