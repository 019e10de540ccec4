using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FiSAO.Models.Imaging;

/// <summary>
/// <c>PIL.Image.resize</c> for 8-bit RGB, reproduced operation for operation so that resized pixels equal Pillow's
/// (HF's CLIPImageProcessor resizes through PIL): separable convolution with support scaled by the reduction factor,
/// coefficients normalised then fixed-point (22 fraction bits), horizontal pass first, each pass rounded and clamped
/// to 8 bits; nearest-neighbour through PIL's affine scaling path.
/// </summary>
/// <remarks>
/// ImageSharp's Resize is not used: it keeps the intermediate pass in float and places/normalises its kernels
/// differently, which moves pixels by a level or two relative to PIL.
/// </remarks>
internal static class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Multiply-adds above which the horizontal pass (the expensive one when shrinking a photo) runs in parallel.</summary>
    private const long ParallelWorkThreshold = 4_000_000;

    public static RgbImage Resize(RgbImage source, int width, int height, PilResampling filter) =>
        ResizeRegion(source, width, height, filter, new PixelRegion(0, 0, width, height));

    /// <summary>
    /// The pixels inside <paramref name="region"/> of <paramref name="source"/> resized to
    /// <paramref name="width"/> x <paramref name="height"/>: bit-identical to resizing fully and then cropping, because
    /// every output pixel has its own kernel window, but the cost follows the region. A resize followed by a centre
    /// crop therefore never materialises the full resized image (an extreme aspect ratio such as 50000x1 would
    /// otherwise become 11200000x224 before the crop).
    /// </summary>
    public static RgbImage ResizeRegion(RgbImage source, int width, int height, PilResampling filter, PixelRegion region)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (region.Left < 0 || region.Top < 0 || region.Width <= 0 || region.Height <= 0
            || region.Left + region.Width > width || region.Top + region.Height > height)
        {
            throw new ArgumentOutOfRangeException(nameof(region), region, $"Region must lie inside {width}x{height}.");
        }

        bool needHorizontal = width != source.Width;
        bool needVertical = height != source.Height;
        if (!needHorizontal && !needVertical)
        {
            return Crop(source, region); // PIL returns a copy
        }

        if (filter == PilResampling.Nearest)
        {
            return ResizeNearest(source, width, height, region);
        }

        (Func<double, double> kernel, double support) = Filter(filter);
        Coefficients? horizontal = needHorizontal
            ? Precompute(source.Width, width, region.Left, region.Width, kernel, support)
            : null;
        if (!needVertical)
        {
            return ResampleHorizontal(source, region.Top, region.Height, horizontal!);
        }

        Coefficients vertical = Precompute(source.Height, height, region.Top, region.Height, kernel, support);
        if (!needHorizontal)
        {
            return ResampleVertical(source, region.Left, region.Width, vertical);
        }

        // As PIL: the horizontal pass produces only the source rows the vertical pass reads.
        int firstRow = vertical.Bounds[0];
        int lastRow = vertical.Bounds[^2] + vertical.Bounds[^1];
        RgbImage intermediate = ResampleHorizontal(source, firstRow, lastRow - firstRow, horizontal!);
        for (int i = 0; i < vertical.Bounds.Length; i += 2)
        {
            vertical.Bounds[i] -= firstRow;
        }

        return ResampleVertical(intermediate, 0, region.Width, vertical);
    }

    private sealed record Coefficients(int KernelSize, int[] Bounds, int[] Weights);

    private static (Func<double, double> Kernel, double Support) Filter(PilResampling filter) => filter switch
    {
        PilResampling.Box => (Box, 0.5),
        PilResampling.Bilinear => (Bilinear, 1.0),
        PilResampling.Hamming => (Hamming, 1.0),
        PilResampling.Bicubic => (Bicubic, 2.0),
        PilResampling.Lanczos => (Lanczos, 3.0),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown PIL resampling filter."),
    };

    private static double Box(double x) => x > -0.5 && x <= 0.5 ? 1.0 : 0.0;

    private static double Bilinear(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Hamming(double x)
    {
        x = Math.Abs(x);
        if (x == 0.0)
        {
            return 1.0;
        }

        if (x >= 1.0)
        {
            return 0.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x * (0.54f + 0.46f * Math.Cos(x)); // PIL writes these constants as floats
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }

        return x < 2.0 ? (((x - 5) * x + 8) * x - 4) * a : 0.0;
    }

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double Lanczos(double x) => x >= -3.0 && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;

    /// <summary>PIL's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c>.</summary>
    private static Coefficients Precompute(int inSize, int outSize, int first, int count, Func<double, double> kernel, double filterSupport)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[count * 2];
        var weights = new int[count * kernelSize];
        var k = new double[kernelSize];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < count; i++)
        {
            int xx = first + i;
            double center = (xx + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = kernel((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weights[i * kernelSize + x] = w < 0
                    ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }

            bounds[2 * i] = xmin;
            bounds[2 * i + 1] = xmax;
        }

        return new Coefficients(kernelSize, bounds, weights);
    }

    private static RgbImage ResampleHorizontal(RgbImage source, int rowOffset, int rows, Coefficients c)
    {
        int width = c.Bounds.Length / 2;
        var output = new RgbImage(width, rows);
        // Rows are independent; big images are split across cores (integer sums, so the order cannot matter).
        long work = (long)rows * width * c.KernelSize;
        if (work < ParallelWorkThreshold)
        {
            HorizontalRows(source, output, rowOffset, 0, rows, c);
        }
        else
        {
            int chunk = Math.Max(1, rows / (Environment.ProcessorCount * 4));
            Parallel.For(0, (rows + chunk - 1) / chunk, i =>
                HorizontalRows(source, output, rowOffset, i * chunk, Math.Min(rows, (i + 1) * chunk), c));
        }

        return output;
    }

    private static void HorizontalRows(RgbImage source, RgbImage output, int rowOffset, int firstRow, int endRow, Coefficients c)
    {
        int width = output.Width;
        int[] bounds = c.Bounds;
        for (int y = firstRow; y < endRow; y++)
        {
            ref byte inRow = ref MemoryMarshal.GetReference(source.Row(y + rowOffset));
            Span<byte> outRow = output.Row(y);
            for (int xx = 0; xx < width; xx++)
            {
                int xmin = bounds[2 * xx];
                int xmax = bounds[2 * xx + 1];
                // Bounds were clamped to the row when precomputed, so the unchecked reads stay inside it.
                ref int k = ref MemoryMarshal.GetArrayDataReference(c.Weights);
                k = ref Unsafe.Add(ref k, xx * c.KernelSize);
                ref byte p = ref Unsafe.Add(ref inRow, xmin * 3);
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                for (int x = 0; x < xmax; x++)
                {
                    int w = Unsafe.Add(ref k, x);
                    s0 += Unsafe.Add(ref p, 3 * x) * w;
                    s1 += Unsafe.Add(ref p, 3 * x + 1) * w;
                    s2 += Unsafe.Add(ref p, 3 * x + 2) * w;
                }

                outRow[3 * xx] = Clip8(s0);
                outRow[3 * xx + 1] = Clip8(s1);
                outRow[3 * xx + 2] = Clip8(s2);
            }
        }
    }

    private static RgbImage ResampleVertical(RgbImage source, int columnOffset, int width, Coefficients c)
    {
        int height = c.Bounds.Length / 2;
        int rowBytes = width * 3;
        var output = new RgbImage(width, height);
        var sums = new int[rowBytes];
        for (int yy = 0; yy < height; yy++)
        {
            int ymin = c.Bounds[2 * yy];
            int ymax = c.Bounds[2 * yy + 1];
            ReadOnlySpan<int> k = c.Weights.AsSpan(yy * c.KernelSize, ymax);
            Array.Fill(sums, 1 << (PrecisionBits - 1));
            // Row-at-a-time accumulation: same integer sums as PIL's per-pixel loop, but sequential memory access.
            for (int y = 0; y < k.Length; y++)
            {
                int w = k[y];
                ReadOnlySpan<byte> inRow = source.Row(y + ymin).Slice(columnOffset * 3, rowBytes);
                for (int i = 0; i < rowBytes; i++)
                {
                    sums[i] += inRow[i] * w;
                }
            }

            Span<byte> outRow = output.Row(yy);
            for (int i = 0; i < rowBytes; i++)
            {
                outRow[i] = Clip8(sums[i]);
            }
        }

        return output;
    }

    private static byte Clip8(int value)
    {
        int v = value >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    /// <summary>PIL's <c>ImagingScaleAffine</c>: source coordinates accumulated in double, then truncated.</summary>
    private static RgbImage ResizeNearest(RgbImage source, int width, int height, PixelRegion region)
    {
        int[] columns = NearestIndices((double)source.Width / width, region.Left, region.Width, source.Width);
        int[] rows = NearestIndices((double)source.Height / height, region.Top, region.Height, source.Height);
        var output = new RgbImage(region.Width, region.Height);
        for (int y = 0; y < rows.Length; y++)
        {
            ReadOnlySpan<byte> inRow = source.Row(rows[y]);
            Span<byte> outRow = output.Row(y);
            for (int x = 0; x < columns.Length; x++)
            {
                inRow.Slice(columns[x] * 3, 3).CopyTo(outRow.Slice(x * 3, 3));
            }
        }

        return output;
    }

    private static int[] NearestIndices(double step, int first, int count, int inSize)
    {
        var indices = new int[count];
        double position = step * 0.5;
        for (int i = 0; i < first + count; i++)
        {
            if (i >= first)
            {
                indices[i - first] = Math.Clamp(Coord(position), 0, inSize - 1);
            }

            position += step; // accumulated, not multiplied, exactly as PIL does
        }

        return indices;
    }

    private static RgbImage Crop(RgbImage source, PixelRegion region)
    {
        var output = new RgbImage(region.Width, region.Height);
        for (int y = 0; y < region.Height; y++)
        {
            source.Row(region.Top + y).Slice(region.Left * 3, region.Width * 3).CopyTo(output.Row(y));
        }

        return output;
    }

    private static int Coord(double v) => v < 0.0 ? -1 : (int)v;
}
