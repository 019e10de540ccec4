using FiSAO.ShapesWorld.Rendering;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>
/// Deterministic, seeded scene generator. Scene <c>i</c> of seed <c>s</c> depends only on (s, i, options): streams can be
/// generated in any order, in parallel, or partly. Each scene has 1–4 objects (16 kinds, up to 3 of a kind) in named
/// colours, with random sizes, positions, rotations and overlap (every object keeps at least
/// <see cref="SceneOptions.MinVisibleFraction"/> of its pixels visible, and overlapping objects differ in colour), on a
/// cluttered background: tinted gradient, optional stripes, soft blotches, small marks that are no vocabulary object,
/// and pixel noise.
/// </summary>
public sealed class SceneGenerator
{
    private static readonly double[] ObjectCountWeights = [0.25, 0.3, 0.25, 0.2];
    private const double MinBackgroundDistance = 100;
    private const double MinOverlapColorDistance = 90;

    public SceneGenerator(long seed, SceneOptions? options = null)
    {
        Options = options ?? new SceneOptions();
        Options.Validate();
        Seed = seed;
    }

    public long Seed { get; }
    public SceneOptions Options { get; }

    /// <summary>Scenes <paramref name="start"/> .. start + count - 1, generated in parallel, in index order.</summary>
    public Scene[] Generate(int start, int count, int? maxDegreeOfParallelism = null)
    {
        var scenes = new Scene[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount },
            i => scenes[i] = Generate(start + i));
        return scenes;
    }

    /// <summary>Scene number <paramref name="index"/> (0-based) of this seed.</summary>
    public Scene Generate(int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index));
        var rng = SceneRandom.For(Seed, index);
        int size = Options.ImageSize;
        var canvas = new SceneCanvas(size, size, Options.Supersampling);

        var background = PickBackground(rng, out var admissible);
        bool striped = PaintBackground(canvas, background, rng);
        var plan = PlanObjects(rng, admissible);
        var placed = PlaceObjects(canvas, plan, rng);
        if (Options.Clutter) AddNoise(canvas, rng);

        var visible = new int[placed.Count];
        foreach (int owner in canvas.Owner)
            if (owner >= 0) visible[owner]++;
        var instances = placed.Select((p, i) => p with { VisiblePixels = visible[i] }).ToList();
        var caption = CaptionWriter.Describe(instances, striped, SceneRandom.For(Seed, index, stream: 1));
        return new Scene(Seed, index, size, size, canvas.ToBytes(), canvas.Owner, instances, striped, caption.Text);
    }

    private (double R, double G, double B) PickBackground(SceneRandom rng, out IReadOnlyList<ShapeColor> admissible)
    {
        while (true)
        {
            double level = rng.Uniform(20, 80);
            var color = (R: level + rng.Uniform(-18, 18), G: level + rng.Uniform(-18, 18), B: level + rng.Uniform(-18, 18));
            var ok = ShapesVocabulary.Colors.Where(c => c.DistanceTo(color.R, color.G, color.B) >= MinBackgroundDistance).ToList();
            if (ok.Count >= 5)
            {
                admissible = ok;
                return color;
            }
        }
    }

    /// <returns>Whether the background is striped.</returns>
    private bool PaintBackground(SceneCanvas canvas, (double R, double G, double B) color, SceneRandom rng)
    {
        int size = canvas.Width;
        double gradAngle = rng.Uniform(0, 2 * Math.PI), gradAmp = rng.Uniform(0, 20);
        double gx = Math.Cos(gradAngle) / size, gy = Math.Sin(gradAngle) / size;
        var px = canvas.Pixels;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float d = (float)(gradAmp * ((x - size / 2.0) * gx + (y - size / 2.0) * gy));
                int i = (y * size + x) * 3;
                px[i] = (float)color.R + d;
                px[i + 1] = (float)color.G + d;
                px[i + 2] = (float)color.B + d;
            }
        if (!Options.Clutter) return false;

        bool striped = rng.Chance(0.45);
        if (striped)
        {
            double angle = rng.Uniform(0, Math.PI), period = rng.Uniform(5, 14), amp = rng.Uniform(4, 10);
            double sx = Math.Cos(angle) * 2 * Math.PI / period, sy = Math.Sin(angle) * 2 * Math.PI / period;
            // sin(a + b) = sin a cos b + cos a sin b: one table per axis instead of a sine per pixel.
            var sinX = new double[size]; var cosX = new double[size];
            for (int x = 0; x < size; x++) (sinX[x], cosX[x]) = Math.SinCos(x * sx);
            for (int y = 0; y < size; y++)
            {
                var (sinY, cosY) = Math.SinCos(y * sy);
                for (int x = 0; x < size; x++)
                {
                    float v = (float)(amp * (sinX[x] * cosY + cosX[x] * sinY));
                    int i = (y * size + x) * 3;
                    px[i] += v;
                    px[i + 1] += v;
                    px[i + 2] += v;
                }
            }
        }

        int blotches = rng.Next(0, 4);
        for (int b = 0; b < blotches; b++)
        {
            double cx = rng.Uniform(0, size), cy = rng.Uniform(0, size), r = rng.Uniform(8, 25);
            var tint = (R: rng.Uniform(-14, 14), G: rng.Uniform(-14, 14), B: rng.Uniform(-14, 14));
            int bx0 = Math.Max(0, (int)(cx - r)), bx1 = Math.Min(size - 1, (int)(cx + r) + 1);
            int by0 = Math.Max(0, (int)(cy - r)), by1 = Math.Min(size - 1, (int)(cy + r) + 1);
            for (int y = by0; y <= by1; y++)
                for (int x = bx0; x <= bx1; x++)
                {
                    double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
                    if (d2 >= 1) continue;
                    double w = (1 - d2) * (1 - d2);
                    int i = (y * size + x) * 3;
                    px[i] += (float)(tint.R * w);
                    px[i + 1] += (float)(tint.G * w);
                    px[i + 2] += (float)(tint.B * w);
                }
        }

        // Small marks that are no object of the vocabulary: dots, short strokes, tiny crosses.
        int marks = rng.Next(2, 10);
        for (int m = 0; m < marks; m++)
        {
            double cx = rng.Uniform(2, size - 2), cy = rng.Uniform(2, size - 2);
            var markColor = rng.Chance(0.5)
                ? Rgb(rng.Pick(ShapesVocabulary.Colors))
                : (rng.Uniform(0, 255), rng.Uniform(0, 255), rng.Uniform(0, 255));
            ObjectRaster raster;
            switch (rng.Next(3))
            {
                case 0:
                {
                    double r = rng.Uniform(0.8, 1.8);
                    raster = canvas.Rasterize(cx - r, cy - r, cx + r, cy + r, (x, y) =>
                        ShapeGeometry.Disk(x, y, cx, cy, r) ? ShapePart.Body : ShapePart.Outside);
                    break;
                }
                case 1:
                {
                    double length = rng.Uniform(3, 8), angle = rng.Uniform(0, Math.PI), half = rng.Uniform(0.45, 0.8);
                    double dx = Math.Cos(angle) * length / 2, dy = Math.Sin(angle) * length / 2;
                    raster = canvas.Rasterize(cx - length, cy - length, cx + length, cy + length, (x, y) =>
                        ShapeGeometry.SegmentDistance(x, y, cx - dx, cy - dy, cx + dx, cy + dy) < half ? ShapePart.Body : ShapePart.Outside);
                    break;
                }
                default:
                {
                    double arm = rng.Uniform(1.5, 2.8);
                    raster = canvas.Rasterize(cx - arm - 1, cy - arm - 1, cx + arm + 1, cy + arm + 1, (x, y) =>
                        ShapeGeometry.SegmentDistance(x, y, cx - arm, cy - arm, cx + arm, cy + arm) < 0.5
                        || ShapeGeometry.SegmentDistance(x, y, cx - arm, cy + arm, cx + arm, cy - arm) < 0.5
                            ? ShapePart.Body : ShapePart.Outside);
                    break;
                }
            }
            canvas.Paint(raster, markColor, markColor);
        }
        return striped;
    }

    private List<(ShapeNoun Noun, ShapeColor Color)> PlanObjects(SceneRandom rng, IReadOnlyList<ShapeColor> admissible)
    {
        var weights = ObjectCountWeights.Select((w, i) => i + 1 >= Options.MinObjects && i + 1 <= Options.MaxObjects ? w : 0).ToList();
        for (int k = weights.Count + 1; k <= Options.MaxObjects; k++) weights.Add(0.2);
        int total = rng.PickWeighted(weights) + 1;

        var plan = new List<(ShapeNoun Noun, ShapeColor Color)>();
        var counts = new Dictionary<ShapeNoun, int>();
        while (plan.Count < total)
        {
            var repeatable = counts.Where(kv => kv.Value < Options.MaxPerNoun).Select(kv => kv.Key).ToList();
            ShapeNoun noun;
            ShapeColor color;
            if (repeatable.Count > 0 && rng.Chance(0.35))
            {
                noun = rng.Pick(repeatable);
                var first = plan.First(p => p.Noun == noun).Color;
                color = rng.Chance(0.6) ? first : rng.Pick(admissible);
            }
            else
            {
                var fresh = ShapesVocabulary.Nouns.Where(n => !counts.ContainsKey(n)).ToList();
                noun = rng.Pick(fresh);
                color = rng.Pick(admissible);
            }
            counts[noun] = counts.GetValueOrDefault(noun) + 1;
            plan.Add((noun, color));
        }
        return plan;
    }

    private List<SceneObject> PlaceObjects(SceneCanvas canvas, List<(ShapeNoun Noun, ShapeColor Color)> plan, SceneRandom rng)
    {
        int size = canvas.Width;
        var placed = new List<SceneObject>();
        var visible = new List<int>();
        double maxSize = Options.MaxSize - (Options.MaxSize - Options.MinSize) * 0.25 * Math.Max(0, plan.Count - 2);
        foreach (var (noun, color) in plan)
        {
            var kind = noun.Kind;
            double radius = size * rng.Uniform(Options.MinSize, Math.Max(Options.MinSize, maxSize)) * ShapeGeometry.AreaScale(kind);
            double angle = rng.Uniform(-1, 1) * ShapeGeometry.MaxRotation(kind);
            bool flipped = ShapeGeometry.CanFlip(kind) && rng.Chance(0.5);
            SceneObject? accepted = null;
            for (int attempt = 0; attempt < 80 && accepted is null; attempt++)
            {
                if (attempt > 0 && attempt % 25 == 0) radius = Math.Max(size * Options.MinSize * 0.8, radius * 0.88);
                double margin = radius * ShapeGeometry.Extent(kind);
                double cx = rng.Uniform(margin, size - margin), cy = rng.Uniform(margin, size - margin);
                var raster = canvas.RasterizeShape(kind, cx, cy, radius, angle, flipped);
                var mask = raster.MaskPixels(size).ToList();
                if (mask.Count == 0) continue;
                var lost = new int[placed.Count];
                foreach (int p in mask)
                    if (canvas.Owner[p] is var o && o >= 0) lost[o]++;
                bool ok = true;
                for (int i = 0; i < placed.Count && ok; i++)
                {
                    if (lost[i] == 0) continue;
                    ok = visible[i] - lost[i] >= Options.MinVisibleFraction * placed[i].Area
                         && placed[i].Color.DistanceTo(color.R, color.G, color.B) >= MinOverlapColorDistance;
                }
                if (!ok) continue;

                for (int i = 0; i < placed.Count; i++) visible[i] -= lost[i];
                var body = Rgb(color);
                double brightness = rng.Uniform(0.92, 1.06);
                var detail = DetailColor(color, kind);
                double cyLocal = cy;
                canvas.Paint(raster, body, detail,
                    (x, y) => brightness * (1 - 0.08 * (y + 0.5 - cyLocal) / radius), ownerIndex: placed.Count);
                accepted = new SceneObject(noun, color, Math.Round(cx, 2), Math.Round(cy, 2), Math.Round(radius, 2),
                    Math.Round(angle, 3) + 0.0, flipped, mask.Count, 0);
                visible.Add(mask.Count);
            }
            if (accepted is not null) placed.Add(accepted);
        }
        return placed;
    }

    /// <summary>
    /// One object alone, centred, unrotated, on a plain grey background (the vocabulary chart and the tests' shape
    /// checks). Returns the RGB bytes and the object's mask (pixels at least half covered).
    /// </summary>
    public static (byte[] Rgb, bool[] Mask) RenderIcon(ShapeKind kind, ShapeColor color, int size, int supersampling = 3)
    {
        var canvas = new SceneCanvas(size, size, supersampling);
        canvas.Fill((_, _) => (128, 128, 128));
        double radius = size / 2.0 / ShapeGeometry.Extent(kind) * 0.95;
        var raster = canvas.RasterizeShape(kind, size / 2.0, size / 2.0, radius, 0, false);
        canvas.Paint(raster, Rgb(color), DetailColor(color, kind), ownerIndex: 0);
        return (canvas.ToBytes(), canvas.Owner.Select(o => o == 0).ToArray());
    }

    private static void AddNoise(SceneCanvas canvas, SceneRandom rng)
    {
        // Uniform noise in [-amp, amp) per channel: three 21-bit draws from one 64-bit number per pixel.
        double amp = rng.Uniform(3, 10);
        double unit = 2 * amp / (1 << 21);
        var px = canvas.Pixels;
        for (int p = 0; p < px.Length; p += 3)
        {
            ulong bits = rng.NextULong();
            px[p] += (float)((bits & 0x1FFFFF) * unit - amp);
            px[p + 1] += (float)(((bits >> 21) & 0x1FFFFF) * unit - amp);
            px[p + 2] += (float)(((bits >> 42) & 0x1FFFFF) * unit - amp);
        }
    }

    private static (double R, double G, double B) Rgb(ShapeColor c) => (c.R, c.G, c.B);

    /// <summary>The second shade of an object: white stripes on a cone, else a darker (light colours) or lighter shade,
    /// always well above the dark backgrounds.</summary>
    internal static (double R, double G, double B) DetailColor(ShapeColor c, ShapeKind kind)
    {
        if (kind == ShapeKind.TrafficCone && c.Brightness < 170) return (245, 245, 245);
        return c.Brightness >= 150
            ? (c.R * 0.65, c.G * 0.65, c.B * 0.65)
            : (c.R + (255 - c.R) * 0.5, c.G + (255 - c.G) * 0.5, c.B + (255 - c.B) * 0.5);
    }
}
