using System.Globalization;
using System.Text;
using FiSAO.Evaluation.Pope;

namespace FiSAO.Evaluation.Reports;

/// <summary>
/// The paper's table shape as Markdown: one column per evaluation (base, FiSAO, ...), rows CHAIR_s, CHAIR_i, recall and
/// length, then accuracy, precision, recall, F1 and yes-ratio of each POPE split. Rates are percentages with one decimal;
/// a metric an evaluation lacks is "-".
/// </summary>
public static class ComparisonTable
{
    public static string Markdown(IReadOnlyList<(string Name, EvaluationSummary Summary)> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("Nothing to compare.", nameof(columns));
        var rows = new List<(string Metric, Func<EvaluationSummary, string> Value)>
        {
            ("CHAIR_s (%) ↓", s => Percent(s.Chair?.ChairS)),
            ("CHAIR_i (%) ↓", s => Percent(s.Chair?.ChairI)),
            ("CHAIR recall (%) ↑", s => Percent(s.Chair?.Recall)),
            ("length (words)", s => s.Chair is null ? "-" : s.Chair.MeanLengthWords.ToString("F1", CultureInfo.InvariantCulture)),
            ("CHAIR images", s => s.Chair?.Images.ToString(CultureInfo.InvariantCulture) ?? "-"),
        };
        foreach (var split in new[] { PopeSplit.Random, PopeSplit.Popular, PopeSplit.Adversarial }.Select(PopeQuestion.Name))
        {
            PopeMetrics? Of(EvaluationSummary s) => s.Pope is not null && s.Pope.TryGetValue(split, out var m) ? m : null;
            rows.Add(($"POPE {split} accuracy (%) ↑", s => Percent(Of(s)?.Accuracy)));
            rows.Add(($"POPE {split} precision (%)", s => Percent(Of(s)?.Precision)));
            rows.Add(($"POPE {split} recall (%)", s => Percent(Of(s)?.Recall)));
            rows.Add(($"POPE {split} F1 (%) ↑", s => Percent(Of(s)?.F1)));
            rows.Add(($"POPE {split} yes-ratio (%)", s => Percent(Of(s)?.YesRatio)));
        }
        var text = new StringBuilder();
        text.Append("| metric | ").Append(string.Join(" | ", columns.Select(c => c.Name))).AppendLine(" |");
        text.Append("| --- |").Append(string.Concat(columns.Select(_ => " ---: |"))).AppendLine();
        foreach (var (metric, value) in rows)
        {
            var cells = columns.Select(c => value(c.Summary)).ToList();
            if (cells.All(c => c == "-")) continue;
            text.Append("| ").Append(metric).Append(" | ").Append(string.Join(" | ", cells)).AppendLine(" |");
        }
        return text.ToString();
    }

    private static string Percent(double? value) => value is { } v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) : "-";
}
