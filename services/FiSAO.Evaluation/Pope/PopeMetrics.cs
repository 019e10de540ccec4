using System.Text.Json.Serialization;

namespace FiSAO.Evaluation.Pope;

/// <summary>POPE's scores of one split ("yes" is the positive class, as in POPE's evaluate.py; a ratio over an empty
/// denominator is 0).</summary>
public sealed record PopeMetrics(
    [property: JsonPropertyName("tp")] int TruePositives,
    [property: JsonPropertyName("fp")] int FalsePositives,
    [property: JsonPropertyName("tn")] int TrueNegatives,
    [property: JsonPropertyName("fn")] int FalseNegatives)
{
    [JsonPropertyName("questions")] public int Questions => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    [JsonPropertyName("accuracy")] public double Accuracy => Ratio(TruePositives + TrueNegatives, Questions);

    [JsonPropertyName("precision")] public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    [JsonPropertyName("recall")] public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    [JsonPropertyName("f1")] public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    [JsonPropertyName("yes_ratio")] public double YesRatio => Ratio(TruePositives + FalsePositives, Questions);

    /// <summary>Counts (label, parsed answer) pairs, each "yes" or "no".</summary>
    public static PopeMetrics Of(IEnumerable<(string Label, string Parsed)> answers)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        foreach (var (label, parsed) in answers)
        {
            var yes = parsed == PopeQuestion.Yes;
            if (label == PopeQuestion.Yes) { if (yes) tp++; else fn++; }
            else if (yes) fp++;
            else tn++;
        }
        return new PopeMetrics(tp, fp, tn, fn);
    }

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;
}
