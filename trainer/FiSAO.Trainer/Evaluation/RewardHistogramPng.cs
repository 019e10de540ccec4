using FiSAO.ShapesWorld.Scenes;

namespace FiSAO.Trainer.Evaluation;

/// <summary>
/// The paper's Figure 4 as a PNG: the distribution of the token rewards of generated object mentions before (red) and
/// after (blue) training, as two step histograms over [-1, 1] (40 bins, density), with a grey zero line. Drawn into an
/// RGB buffer and encoded with the shapes world's PNG writer: no plotting package needed.
/// </summary>
public static class RewardHistogramPng
{
    public static void Write(string path, IReadOnlyList<float> before, IReadOnlyList<float> after, int width = 640, int height = 360, int bins = 40)
    {
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        const int margin = 30;
        var plotW = width - 2 * margin;
        var plotH = height - 2 * margin;
        double[] Density(IReadOnlyList<float> values)
        {
            var h = new double[bins];
            foreach (var v in values) h[Math.Clamp((int)((v + 1) / 2 * bins), 0, bins - 1)]++;
            var n = Math.Max(1, values.Count);
            for (var i = 0; i < bins; i++) h[i] /= n;
            return h;
        }
        var a = Density(before);
        var b = Density(after);
        var max = Math.Max(1e-9, Math.Max(a.Max(), b.Max()));

        void Pixel(int x, int y, (byte R, byte G, byte B) c)
        {
            if (x < 0 || y < 0 || x >= width || y >= height) return;
            var o = (y * width + x) * 3;
            rgb[o] = c.R; rgb[o + 1] = c.G; rgb[o + 2] = c.B;
        }
        void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c)
        {
            var steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
            for (var s = 0; s <= steps; s++)
            {
                var x = x0 + (steps == 0 ? 0 : (x1 - x0) * s / steps);
                var y = y0 + (steps == 0 ? 0 : (y1 - y0) * s / steps);
                Pixel(x, y, c); Pixel(x + 1, y, c); Pixel(x, y + 1, c);
            }
        }
        var axis = ((byte)0, (byte)0, (byte)0);
        Line(margin, height - margin, width - margin, height - margin, axis);
        Line(margin, margin, margin, height - margin, axis);
        Line(margin + plotW / 2, margin, margin + plotW / 2, height - margin, ((byte)170, (byte)170, (byte)170));
        for (var t = 0; t <= 4; t++) Line(margin + plotW * t / 4, height - margin, margin + plotW * t / 4, height - margin + 6, axis);
        void Steps(double[] h, (byte, byte, byte) c)
        {
            var prevY = height - margin;
            for (var i = 0; i < bins; i++)
            {
                var x0 = margin + plotW * i / bins;
                var x1 = margin + plotW * (i + 1) / bins;
                var y = height - margin - (int)(h[i] / max * plotH);
                Line(x0, prevY, x0, y, c);
                Line(x0, y, x1, y, c);
                prevY = y;
            }
            Line(margin + plotW, prevY, margin + plotW, height - margin, c);
        }
        Steps(a, ((byte)220, (byte)40, (byte)40));
        Steps(b, ((byte)40, (byte)80, (byte)220));
        File.WriteAllBytes(path, ScenePng.Encode(rgb, width, height));
    }
}
