using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Rendering;

/// <summary>What a point of a shape is painted with.</summary>
public enum ShapePart : byte
{
    Outside = 0,
    Body = 1,
    Detail = 2,
}

/// <summary>
/// The silhouettes of the world's objects as point tests in the shape's own frame: x right, y down, the shape inside
/// the disk of radius <see cref="ExtentRadius"/> (the unit is the object's size). Each kind is a distinct icon; a few
/// have a detail part painted in a second shade (a house's roof and door, a cone's stripes, a tree's trunk).
/// </summary>
public static class ShapeGeometry
{
    /// <summary>Every point of every shape lies within this distance of the centre (in object units).</summary>
    public const double ExtentRadius = 1.25;

    // Lazy: the measurement samples the shapes, whose polygon tables are static fields initialised further down.
    private static readonly Lazy<double[]> Extents = new(() => Enum.GetValues<ShapeKind>().Select(MeasureExtent).ToArray());

    /// <summary>How far the kind reaches from its centre (in object units, measured once on a fine grid, plus a margin).</summary>
    public static double Extent(ShapeKind kind) => Extents.Value[(int)kind];

    private static readonly Lazy<double[]> AreaScales = new(() =>
    {
        var areas = Enum.GetValues<ShapeKind>().Select(MeasureArea).ToArray();
        double reference = areas.Order().ElementAt(areas.Length / 2);
        return areas.Select(a => Math.Clamp(Math.Sqrt(reference / a), 0.85, 1.35)).ToArray();
    });

    /// <summary>
    /// Size factor that evens out the kinds' areas (thin or spiky icons such as arrows, stars and knives are drawn
    /// larger, round ones smaller), so that every object shows a comparable number of pixels: the median kind has 1.
    /// </summary>
    public static double AreaScale(ShapeKind kind) => AreaScales.Value[(int)kind];

    private static double MeasureArea(ShapeKind kind)
    {
        int inside = 0;
        for (double y = -ExtentRadius; y <= ExtentRadius; y += 0.01)
            for (double x = -ExtentRadius; x <= ExtentRadius; x += 0.01)
                if (Sample(kind, x, y) != ShapePart.Outside) inside++;
        return inside * 0.0001;
    }

    private static double MeasureExtent(ShapeKind kind)
    {
        double max = 0;
        for (double y = -ExtentRadius; y <= ExtentRadius; y += 0.01)
            for (double x = -ExtentRadius; x <= ExtentRadius; x += 0.01)
                if (Sample(kind, x, y) != ShapePart.Outside) max = Math.Max(max, Math.Sqrt(x * x + y * y));
        return Math.Min(ExtentRadius, max + 0.02);
    }

    private static readonly (double X, double Y)[] StarPolygon = Star(5, 0.98, 0.42);
    private static readonly (double X, double Y)[] ArrowHead = [(0.97, 0), (0.1, -0.72), (0.1, 0.72)];
    private static readonly (double X, double Y)[] Roof = [(0, -0.96), (-0.94, -0.08), (0.94, -0.08)];
    private static readonly (double X, double Y)[] GooseTail = [(0.7, 0.18), (0.98, 0.02), (0.8, 0.46)];
    private static readonly (double X, double Y)[] GooseBeak = [(-0.56, -0.72), (-0.96, -0.6), (-0.56, -0.5)];
    private static readonly (double X, double Y)[] PlaneUpper = [(0.97, -0.05), (-0.92, -0.62), (-0.42, 0.12)];
    private static readonly (double X, double Y)[] PlaneLower = [(0.97, -0.05), (-0.42, 0.12), (-0.7, 0.56)];
    private static readonly double InvSqrt2 = 1 / Math.Sqrt(2);

    /// <summary>The part of <paramref name="kind"/> at (x, y) in the shape's frame.</summary>
    public static ShapePart Sample(ShapeKind kind, double x, double y) => kind switch
    {
        ShapeKind.Ball => Ball(x, y),
        ShapeKind.Box => Box(x, y),
        ShapeKind.Star => Body(InPolygon(StarPolygon, x, y)),
        ShapeKind.Heart => Heart(x, y),
        ShapeKind.Moon => Body(Disk(x, y, 0, 0, 0.9) && !Disk(x, y, 0.42, -0.18, 0.72)),
        ShapeKind.Ring => Body(InRing(x, y, 0, 0, 0.5, 0.9)),
        ShapeKind.Arrow => Body((x > -0.95 && x < 0.2 && Math.Abs(y) < 0.25) || InPolygon(ArrowHead, x, y)),
        ShapeKind.House => House(x, y),
        ShapeKind.Tree => Tree(x, y),
        ShapeKind.Umbrella => Umbrella(x, y),
        ShapeKind.Mouse => Mouse(x, y),
        ShapeKind.Goose => Goose(x, y),
        ShapeKind.Leaf => Leaf(x, y),
        ShapeKind.Knife => Knife(x, y),
        ShapeKind.TrafficCone => TrafficCone(x, y),
        ShapeKind.PaperPlane => InPolygon(PlaneUpper, x, y) ? ShapePart.Body : InPolygon(PlaneLower, x, y) ? ShapePart.Detail : ShapePart.Outside,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// How far a kind may be rotated either way (radians): icons stay near their upright pose (a small ViT trained in
    /// a minute learns a few poses per kind much faster than every orientation); pointers turn more and are mirrored.
    /// </summary>
    public static double MaxRotation(ShapeKind kind) => kind switch
    {
        ShapeKind.Arrow or ShapeKind.Leaf or ShapeKind.Knife or ShapeKind.PaperPlane => 0.6,
        ShapeKind.Ball or ShapeKind.Ring => 0,
        _ => 0.3,
    };

    /// <summary>True for kinds drawn mirrored half of the time (animals and pointers facing either way).</summary>
    public static bool CanFlip(ShapeKind kind) =>
        kind is ShapeKind.Mouse or ShapeKind.Goose or ShapeKind.Moon or ShapeKind.Knife or ShapeKind.PaperPlane or ShapeKind.Leaf
            or ShapeKind.Arrow;

    private static ShapePart Body(bool inside) => inside ? ShapePart.Body : ShapePart.Outside;

    private static ShapePart Ball(double x, double y)
    {
        if (!Disk(x, y, 0, 0, 0.88)) return ShapePart.Outside;
        // A seam like a tennis ball's: two arcs.
        bool seam = InRing(x, y, -1.05, 0, 0.66, 0.78) || InRing(x, y, 1.05, 0, 0.66, 0.78);
        return seam ? ShapePart.Detail : ShapePart.Body;
    }

    private static ShapePart Box(double x, double y)
    {
        if (Math.Abs(x) > 0.78 || Math.Abs(y) > 0.78) return ShapePart.Outside;
        return Math.Abs(x) < 0.09 || y < -0.58 ? ShapePart.Detail : ShapePart.Body;
    }

    private static ShapePart Heart(double x, double y)
    {
        double hx = x * 1.18, hy = -y * 1.12 + 0.1;
        double a = hx * hx + hy * hy - 1;
        return Body(a * a * a - hx * hx * hy * hy * hy <= 0);
    }

    private static ShapePart House(double x, double y)
    {
        if (InPolygon(Roof, x, y)) return ShapePart.Detail;
        if (x < -0.68 || x > 0.68 || y < -0.1 || y > 0.9) return ShapePart.Outside;
        bool door = Math.Abs(x) < 0.17 && y > 0.36;
        bool window = Math.Abs(x - 0.42) < 0.12 && Math.Abs(y - 0.18) < 0.12;
        return door || window ? ShapePart.Detail : ShapePart.Body;
    }

    private static ShapePart Tree(double x, double y)
    {
        // A round, cloud-like crown of three disks on a trunk.
        if (Disk(x, y, 0, -0.5, 0.45) || Disk(x, y, -0.4, -0.12, 0.38) || Disk(x, y, 0.4, -0.12, 0.38)) return ShapePart.Body;
        return Math.Abs(x) < 0.15 && y >= 0 && y < 0.97 ? ShapePart.Detail : ShapePart.Outside;
    }

    private static ShapePart Umbrella(double x, double y)
    {
        bool canopy = y < 0 && Disk(x, y, 0, 0, 0.93)
                      && !Disk(x, y, -0.62, 0.1, 0.31) && !Disk(x, y, 0, 0.1, 0.31) && !Disk(x, y, 0.62, 0.1, 0.31);
        if (canopy) return ShapePart.Body;
        bool shaft = Math.Abs(x) < 0.065 && y > -0.3 && y < 0.74;
        bool hook = y >= 0.72 && InRing(x, y, 0.17, 0.72, 0.11, 0.235);
        return shaft || hook ? ShapePart.Detail : ShapePart.Outside;
    }

    private static ShapePart Mouse(double x, double y)
    {
        if (Disk(x, y, -0.62, 0.2, 0.065)) return ShapePart.Detail; // eye
        if (Disk(x, y, -0.42, -0.2, 0.17) || Disk(x, y, -0.02, -0.26, 0.17)) return ShapePart.Detail; // inner ears
        bool body = Ellipse(x, y, 0.1, 0.25, 0.6, 0.4) || Ellipse(x, y, -0.5, 0.3, 0.34, 0.24)
                    || Disk(x, y, -0.42, -0.2, 0.27) || Disk(x, y, -0.02, -0.26, 0.27);
        bool tail = SegmentDistance(x, y, 0.66, 0.4, 0.85, 0.62) < 0.06 || SegmentDistance(x, y, 0.85, 0.62, 0.99, 0.32) < 0.06;
        return Body(body || tail);
    }

    private static ShapePart Goose(double x, double y)
    {
        if (InPolygon(GooseBeak, x, y)) return ShapePart.Detail;
        bool legs = (SegmentDistance(x, y, 0.08, 0.66, 0.08, 0.97) < 0.04) || (SegmentDistance(x, y, 0.32, 0.66, 0.32, 0.97) < 0.04);
        if (legs) return ShapePart.Detail;
        bool body = Ellipse(x, y, 0.18, 0.38, 0.62, 0.34) || InPolygon(GooseTail, x, y)
                    || SegmentDistance(x, y, -0.28, 0.2, -0.45, -0.55) < 0.1 || Disk(x, y, -0.45, -0.62, 0.17);
        return Body(body);
    }

    private static ShapePart Leaf(double x, double y)
    {
        // A lens (two intersecting disks) along the diagonal, with a midrib and a stem.
        double u = (x + y) * InvSqrt2, v = (y - x) * InvSqrt2;
        bool lens = Disk(u, v, 0, 0.8, 1.25) && Disk(u, v, 0, -0.8, 1.25);
        if (lens) return Math.Abs(v) < 0.04 && Math.Abs(u) < 0.8 ? ShapePart.Detail : ShapePart.Body;
        return Math.Abs(v) < 0.05 && u > 0.8 && u < 1.04 ? ShapePart.Body : ShapePart.Outside;
    }

    private static ShapePart Knife(double x, double y)
    {
        if (x >= 0.24 && x < 0.98 && Math.Abs(y - 0.0) < 0.19) return ShapePart.Detail; // handle
        if (x >= 0.16 && x < 0.24 && Math.Abs(y) < 0.28) return ShapePart.Detail;        // bolster
        if (x < -0.98 || x >= 0.16 || y < -0.27 || y > 0.2) return ShapePart.Outside;
        // The blade's back slopes down to the tip over its last 45 %.
        double tipStart = -0.5;
        if (x < tipStart && y < -0.27 + (tipStart - x) / (tipStart + 0.98) * 0.44) return ShapePart.Outside;
        return ShapePart.Body;
    }

    private static ShapePart TrafficCone(double x, double y)
    {
        if (y >= 0.62 && y < 0.9 && Math.Abs(x) < 0.86) return ShapePart.Body; // base
        if (y < -0.92 || y >= 0.62) return ShapePart.Outside;
        double half = 0.13 + (y + 0.92) / 1.54 * 0.45;
        if (Math.Abs(x) >= half) return ShapePart.Outside;
        bool stripe = (y > -0.42 && y < -0.2) || (y > 0.08 && y < 0.3);
        return stripe ? ShapePart.Detail : ShapePart.Body;
    }

    internal static bool Disk(double x, double y, double cx, double cy, double r) =>
        (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;

    private static bool InRing(double x, double y, double cx, double cy, double inner, double outer)
    {
        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        return d2 >= inner * inner && d2 < outer * outer;
    }

    private static bool Ellipse(double x, double y, double cx, double cy, double rx, double ry)
    {
        double dx = (x - cx) / rx, dy = (y - cy) / ry;
        return dx * dx + dy * dy < 1;
    }

    internal static double SegmentDistance(double x, double y, double ax, double ay, double bx, double by)
    {
        double dx = bx - ax, dy = by - ay;
        double t = Math.Clamp(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0, 1);
        double px = ax + t * dx - x, py = ay + t * dy - y;
        return Math.Sqrt(px * px + py * py);
    }

    /// <summary>Even-odd point-in-polygon test.</summary>
    private static bool InPolygon((double X, double Y)[] polygon, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (xi, yi) = polygon[i];
            var (xj, yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }

    private static (double X, double Y)[] Star(int points, double outer, double inner)
    {
        var vertices = new (double, double)[points * 2];
        for (int i = 0; i < vertices.Length; i++)
        {
            double angle = -Math.PI / 2 + i * Math.PI / points;
            double r = i % 2 == 0 ? outer : inner;
            vertices[i] = (r * Math.Cos(angle), r * Math.Sin(angle));
        }
        return vertices;
    }
}
