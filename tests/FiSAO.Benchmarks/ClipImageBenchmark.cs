using System.Diagnostics;
using System.Globalization;
using FiSAO.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Benchmarks;

/// <summary>
/// fp32 CPU throughput of <see cref="ClipModel.GetImageFeatures"/> on a random ViT-B/32-sized image tower
/// (224 px, patch 32, width 768, 12 layers, 12 heads, projection 512). Random weights run the same kernels as real ones.
/// </summary>
public static class ClipImageBenchmark
{
    public static int Run(int[] batches, int warmup, int repetitions, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var config = VitB32();
        using var model = new ClipModel(config, torch.CPU, ScalarType.Float32);
        var visionParams = model.VisionModel.parameters().Sum(p => p.numel());
        Console.WriteLine($"clip-image: ViT-B/32 image tower, {visionParams / 1e6:F1}M vision params, fp32, cpu, threads={torch.get_num_threads()}, " +
                          $"warmup={warmup}, reps={repetitions}");

        foreach (var batch in batches)
        {
            using var pixels = torch.randn(batch, 3, 224, 224);
            for (var i = 0; i < warmup; i++) model.GetImageFeatures(pixels).Dispose();

            var seconds = new double[repetitions];
            for (var i = 0; i < repetitions; i++)
            {
                var watch = Stopwatch.StartNew();
                using var features = model.GetImageFeatures(pixels);
                seconds[i] = watch.Elapsed.TotalSeconds;
            }
            Array.Sort(seconds);
            var median = seconds[repetitions / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {batch,3}: median {median * 1000,8:F1} ms/batch  {batch / median,7:F1} images/s  (min {seconds[0] * 1000:F1} ms, max {seconds[^1] * 1000:F1} ms)"));
        }
        return 0;
    }

    /// <summary>ViT-B/32's image tower; the text tower is not exercised, so it is minimal and construction quick.</summary>
    public static ClipConfig VitB32() => new()
    {
        ProjectionDim = 512,
        VisionConfig = new ClipVisionConfig
        {
            ImageSize = 224, PatchSize = 32, HiddenSize = 768, IntermediateSize = 3072, NumHiddenLayers = 12, NumAttentionHeads = 12,
        },
        TextConfig = new ClipTextConfig { VocabSize = 16, HiddenSize = 8, IntermediateSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 1 },
    };
}
