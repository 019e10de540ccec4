using System.Diagnostics;
using System.Globalization;
using FiSAO.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Benchmarks;

/// <summary>
/// Uncached image throughput and feature drift of one random ViT-B/32-sized CLIP in several precisions, measured in
/// one run with the repetitions interleaved (this machine's speed drifts): fp32; HF-style uniform bf16 / fp16 (every
/// weight and activation in the half dtype); and <see cref="ClipPrecision"/>'s mixed bf16 / fp16 (only the encoder
/// layers in the half dtype). Features are compared with fp32's on the same pixels.
/// </summary>
public static class ClipPrecisionBenchmark
{
    public static int Run(int batch, int warmup, int repetitions, int threads, string[] variants)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var config = ClipImageBenchmark.VitB32();
        using var reference = new ClipModel(config, torch.CPU, ScalarType.Float32);
        var models = variants.Select(v => (Name: v, Model: Build(v, config, reference))).ToList();
        Console.WriteLine($"clip-precision: ViT-B/32 image tower (random), cpu, threads={torch.get_num_threads()}, batch={batch}, " +
                          $"warmup={warmup}, reps={repetitions} (interleaved)");

        using var pixels = torch.randn(batch, 3, 224, 224);
        using var expected = reference.GetImageFeatures(pixels);
        var seconds = models.ToDictionary(m => m.Name, _ => new List<double>());
        foreach (var (_, model) in models)
            for (var i = 0; i < warmup; i++) model.GetImageFeatures(pixels).Dispose();
        for (var r = 0; r < repetitions; r++)
            foreach (var (name, model) in models)
            {
                var watch = Stopwatch.StartNew();
                using var features = model.GetImageFeatures(pixels);
                seconds[name].Add(watch.Elapsed.TotalSeconds);
            }

        var fp32 = batch / Median(seconds[models[0].Name]);
        foreach (var (name, model) in models)
        {
            var perSecond = batch / Median(seconds[name]);
            using var features = model.GetImageFeatures(pixels);
            var (cosine, maxAbs) = Compare(expected, features);
            var weights = model.parameters().Sum(p => p.numel() * p.element_size()) / (1024.0 * 1024);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-12} {perSecond,7:F1} images/s  {perSecond / fp32,5:F2}x {models[0].Name}   min cosine {cosine:F6}   max |diff| {maxAbs:E2}   weights {weights,6:F0} MiB"));
        }
        foreach (var (_, model) in models) if (!ReferenceEquals(model, reference)) model.Dispose();
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"peak working set: {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (all variants loaded at once)");
        return 0;
    }

    static ClipModel Build(string variant, ClipConfig config, ClipModel reference)
    {
        if (variant == "fp32") return reference;
        var (kind, dtype) = variant switch
        {
            "bf16-mixed" => ("mixed", ScalarType.BFloat16),
            "fp16-mixed" => ("mixed", ScalarType.Float16),
            "bf16" => ("uniform", ScalarType.BFloat16),
            "fp16" => ("uniform", ScalarType.Float16),
            _ => throw new ArgumentException($"unknown variant '{variant}'; known: fp32, bf16, bf16-mixed, fp16, fp16-mixed"),
        };
        var model = new ClipModel(config, torch.CPU, kind == "mixed" ? ScalarType.Float32 : dtype);
        using (torch.no_grad())
        {
            var target = model.state_dict();
            foreach (var (name, tensor) in reference.state_dict()) target[name].copy_(tensor);
        }
        if (kind == "mixed") model.CastEncoderLayers(dtype);
        return model;
    }

    /// <summary>Smallest per-row cosine and largest absolute difference, in fp64.</summary>
    static (double Cosine, double MaxAbs) Compare(Tensor expected, Tensor actual)
    {
        using var scope = torch.NewDisposeScope();
        var a = expected.to(ScalarType.Float64);
        var b = actual.to(ScalarType.Float64);
        var cosine = nn.functional.cosine_similarity(a, b, 1).min().item<double>();
        var maxAbs = (a - b).abs().max().item<double>();
        return (cosine, maxAbs);
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
