using ScottPlot;

namespace FiSAO.ShapesWorld.Evaluation;

/// <summary>Overlaid histograms of two or more groups on shared bins, as densities (each group sums to 1), PNG.</summary>
public static class HistogramPlot
{
    static readonly Color[] Palette = [Colors.SeaGreen, Colors.OrangeRed, Colors.SteelBlue, Colors.Orange];

    public static void Save(string path, string title, string xLabel, params (string Label, IReadOnlyList<double> Values)[] groups)
    {
        var all = groups.SelectMany(g => g.Values).ToList();
        if (all.Count == 0) throw new ArgumentException("No values to plot.", nameof(groups));
        double min = all.Min(), max = all.Max();
        if (max <= min) max = min + 1;
        const int bins = 40;
        double width = (max - min) / bins;

        var plot = new Plot();
        for (int g = 0; g < groups.Length; g++)
        {
            var (label, values) = groups[g];
            var counts = new double[bins];
            foreach (var v in values) counts[Math.Clamp((int)((v - min) / width), 0, bins - 1)]++;
            var color = Palette[g % Palette.Length];
            var bars = counts.Select((c, i) => new Bar
            {
                Position = min + (i + 0.5) * width,
                Value = values.Count == 0 ? 0 : c / values.Count,
                Size = width,
                FillColor = color.WithAlpha(0.45),
                LineWidth = 0,
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = $"{label} (n = {values.Count})";
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("share of group");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 900, 540);
    }
}
