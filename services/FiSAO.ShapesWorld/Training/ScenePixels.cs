using FiSAO.Models.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// Turns scene RGB bytes into CLIP pixel values with the exact float32 arithmetic of <see cref="ClipImageProcessor"/>
/// (rescale then normalise, per 8-bit value), skipping the PNG round trip. Valid when the images already have the
/// processor's crop size (the world's own scenes), where the processor's resize and crop are the identity.
/// </summary>
public sealed class ScenePixels
{
    private readonly float[][] _lookup;

    public ScenePixels(ClipImageProcessorConfig config)
    {
        Config = config;
        _lookup = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 256).Select(v =>
        {
            float x = config.DoRescale ? (float)(v * config.RescaleFactor) : v;
            return config.DoNormalize ? (x - (float)config.ImageMean[c]) / (float)config.ImageStd[c] : x;
        }).ToArray()).ToArray();
    }

    public ClipImageProcessorConfig Config { get; }

    /// <summary>[B, 3, H, W] float32 pixel values of interleaved RGB images of equal size.</summary>
    public Tensor ToTensor(IReadOnlyList<byte[]> images, int height, int width, Device? device = null)
    {
        if (Config.DoCenterCrop && (Config.CropHeight != height || Config.CropWidth != width))
            throw new ArgumentException($"Images are {width}x{height} but the processor crops to {Config.CropWidth}x{Config.CropHeight}; use ClipImageProcessor.");
        int plane = height * width;
        var data = new float[images.Count * 3 * plane];
        Parallel.For(0, images.Count, i =>
        {
            var rgb = images[i];
            if (rgb.Length != plane * 3) throw new ArgumentException($"Image {i} has {rgb.Length} bytes, expected {plane * 3}.");
            int offset = i * 3 * plane;
            for (int p = 0; p < plane; p++)
            {
                data[offset + p] = _lookup[0][rgb[3 * p]];
                data[offset + plane + p] = _lookup[1][rgb[3 * p + 1]];
                data[offset + 2 * plane + p] = _lookup[2][rgb[3 * p + 2]];
            }
        });
        return torch.tensor(data, [images.Count, 3, height, width], ScalarType.Float32, device);
    }
}
