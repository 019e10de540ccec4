using System.Globalization;

namespace FiSAO.Client.Testing;

/// <summary>A scrape of a /metrics page (Prometheus text format): series name with labels → value.</summary>
public sealed class PrometheusText(IReadOnlyDictionary<string, double> series)
{
    public static PrometheusText Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                series[line[..space]] = value;
        }
        return new PrometheusText(series);
    }

    /// <summary>Sum over the series of <paramref name="name"/> whose labels include every <paramref name="labels"/> pair.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => series
        .Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal))
                    && labels.All(l => s.Key.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
        .Sum(s => s.Value);
}
