using Prometheus;

namespace FiSAO.Verifier.Observability;

/// <summary>Prometheus series served at /metrics (with prometheus-net's HTTP and gRPC request series).</summary>
public static class VerifierMetrics
{
    public static readonly Counter Requests = Metrics.CreateCounter("fisao_verifier_requests_total",
        "Verifier calls by method and status code.", "method", "code");

    public static readonly Histogram Latency = Metrics.CreateHistogram("fisao_verifier_request_seconds",
        "Verifier call latency by method.", new HistogramConfiguration
        {
            LabelNames = ["method"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16),
        });

    public static readonly Histogram EncodeBatchSize = Metrics.CreateHistogram("fisao_verifier_encode_batch_size",
        "Images per encoder forward pass.", new HistogramConfiguration { Buckets = Histogram.LinearBuckets(1, 4, 16) });

    public static readonly Gauge QueueDepth = Metrics.CreateGauge("fisao_verifier_queue_depth",
        "Images waiting for the encoder.");

    public static readonly Counter CacheLookups = Metrics.CreateCounter("fisao_verifier_image_cache_lookups_total",
        "Image-feature cache lookups by result (hit or miss).", "result");
}
