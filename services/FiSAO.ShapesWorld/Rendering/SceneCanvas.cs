using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Rendering;

/// <summary>The anti-aliased coverage of one object on the pixel grid (its bounding box only).</summary>
internal sealed class ObjectRaster
{
    public ObjectRaster(int x0, int y0, int width, int height)
    {
        X0 = x0;
        Y0 = y0;
        Width = width;
        Height = height;
        Body = new float[width * height];
        Detail = new float[width * height];
    }

    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Share of each pixel covered by the body part, [0, 1].</summary>
    public float[] Body { get; }

    /// <summary>Share of each pixel covered by the detail part, [0, 1].</summary>
    public float[] Detail { get; }

    /// <summary>Whether the object owns the pixel (at least half covered).</summary>
    public bool InMask(int i) => Body[i] + Detail[i] >= 0.5f;

    /// <summary>Image coordinates of the mask pixels, as linear indices y * imageWidth + x.</summary>
    public IEnumerable<int> MaskPixels(int imageWidth)
    {
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                if (InMask(y * Width + x)) yield return (Y0 + y) * imageWidth + X0 + x;
    }
}

/// <summary>
/// An RGB float canvas (values 0–255) with supersampled shape rendering and an ownership map: which object a pixel
/// shows (the topmost one covering at least half of it), so that ground truth can be checked against what is drawn.
/// </summary>
internal sealed class SceneCanvas
{
    public SceneCanvas(int width, int height, int supersampling)
    {
        Width = width;
        Height = height;
        Supersampling = supersampling;
        Pixels = new float[width * height * 3];
        Owner = new int[width * height];
        Array.Fill(Owner, -1);
    }

    public int Width { get; }
    public int Height { get; }
    public int Supersampling { get; }

    /// <summary>Interleaved RGB, row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>Index of the object shown at each pixel, -1 for background.</summary>
    public int[] Owner { get; }

    public void Fill(Func<int, int, (double R, double G, double B)> colorAt)
    {
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                var (r, g, b) = colorAt(x, y);
                int i = (y * Width + x) * 3;
                Pixels[i] = (float)r;
                Pixels[i + 1] = (float)g;
                Pixels[i + 2] = (float)b;
            }
    }

    /// <summary>Adds an offset (e.g. stripes, noise) to every channel of every pixel.</summary>
    public void AddPerPixel(Func<int, int, (double R, double G, double B)> offsetAt)
    {
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                var (r, g, b) = offsetAt(x, y);
                int i = (y * Width + x) * 3;
                Pixels[i] += (float)r;
                Pixels[i + 1] += (float)g;
                Pixels[i + 2] += (float)b;
            }
    }

    /// <summary>
    /// Coverage of a shape given as a point test in image coordinates, inside a bounding box. Adaptive anti-aliasing:
    /// the part is sampled at the pixel corners (shared between neighbours); a pixel whose four corners agree takes
    /// that part whole, the others (edges) are supersampled <see cref="Supersampling"/> x <see cref="Supersampling"/>.
    /// </summary>
    public ObjectRaster Rasterize(double minX, double minY, double maxX, double maxY, Func<double, double, ShapePart> partAt)
    {
        int x0 = Math.Max(0, (int)Math.Floor(minX)), y0 = Math.Max(0, (int)Math.Floor(minY));
        int x1 = Math.Min(Width, (int)Math.Ceiling(maxX) + 1), y1 = Math.Min(Height, (int)Math.Ceiling(maxY) + 1);
        var raster = new ObjectRaster(x0, y0, Math.Max(0, x1 - x0), Math.Max(0, y1 - y0));
        int w = raster.Width, h = raster.Height;
        if (w == 0 || h == 0) return raster;
        var corners = new ShapePart[(w + 1) * (h + 1)];
        for (int y = 0; y <= h; y++)
            for (int x = 0; x <= w; x++)
                corners[y * (w + 1) + x] = partAt(x0 + x, y0 + y);
        int s = Supersampling;
        float weight = 1f / (s * s);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var a = corners[y * (w + 1) + x];
                if (a == corners[y * (w + 1) + x + 1] && a == corners[(y + 1) * (w + 1) + x] && a == corners[(y + 1) * (w + 1) + x + 1]
                    && a == partAt(x0 + x + 0.5, y0 + y + 0.5))
                {
                    if (a == ShapePart.Body) raster.Body[y * w + x] = 1;
                    else if (a == ShapePart.Detail) raster.Detail[y * w + x] = 1;
                    continue;
                }
                int body = 0, detail = 0;
                for (int sy = 0; sy < s; sy++)
                    for (int sx = 0; sx < s; sx++)
                    {
                        var part = partAt(x0 + x + (sx + 0.5) / s, y0 + y + (sy + 0.5) / s);
                        if (part == ShapePart.Body) body++;
                        else if (part == ShapePart.Detail) detail++;
                    }
                raster.Body[y * w + x] = body * weight;
                raster.Detail[y * w + x] = detail * weight;
            }
        return raster;
    }

    /// <summary>The coverage of an object of the world at a pose.</summary>
    public ObjectRaster RasterizeShape(ShapeKind kind, double cx, double cy, double radius, double angle, bool flipped)
    {
        double extent = radius * ShapeGeometry.Extent(kind);
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        return Rasterize(cx - extent, cy - extent, cx + extent, cy + extent, (px, py) =>
        {
            double dx = (px - cx) / radius, dy = (py - cy) / radius;
            double lx = dx * cos + dy * sin, ly = -dx * sin + dy * cos;
            return ShapeGeometry.Sample(kind, flipped ? -lx : lx, ly);
        });
    }

    /// <summary>
    /// Paints a raster: body colour where the body covers, detail colour where the detail covers, the old pixel for the
    /// rest; <paramref name="shade"/> scales the colours per pixel (lighting). Records ownership when
    /// <paramref name="ownerIndex"/> is not negative.
    /// </summary>
    public void Paint(ObjectRaster raster, (double R, double G, double B) body, (double R, double G, double B) detail,
        Func<int, int, double>? shade = null, int ownerIndex = -1)
    {
        for (int y = 0; y < raster.Height; y++)
            for (int x = 0; x < raster.Width; x++)
            {
                int r = y * raster.Width + x;
                float cb = raster.Body[r], cd = raster.Detail[r];
                if (cb + cd <= 0) continue;
                int px = raster.X0 + x, py = raster.Y0 + y;
                double k = shade?.Invoke(px, py) ?? 1.0;
                int i = (py * Width + px) * 3;
                float keep = 1 - cb - cd;
                Pixels[i] = (float)(Pixels[i] * keep + cb * body.R * k + cd * detail.R * k);
                Pixels[i + 1] = (float)(Pixels[i + 1] * keep + cb * body.G * k + cd * detail.G * k);
                Pixels[i + 2] = (float)(Pixels[i + 2] * keep + cb * body.B * k + cd * detail.B * k);
                if (ownerIndex >= 0 && raster.InMask(r)) Owner[py * Width + px] = ownerIndex;
            }
    }

    /// <summary>The canvas as 8-bit interleaved RGB (rounded, clamped).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Pixels.Length];
        for (int i = 0; i < Pixels.Length; i++) bytes[i] = (byte)Math.Clamp((int)MathF.Round(Pixels[i]), 0, 255);
        return bytes;
    }
}
