namespace FiSAO.Rewards.Statistics;

/// <summary>
/// Area under the ROC curve through the Mann-Whitney U statistic:
/// AUROC = P(score of a positive &gt; score of a negative) + 0.5 * P(tie).
/// Ties (within and across classes) get mid-ranks, so the result equals the trapezoidal ROC area.
/// 1 = every positive scores above every negative; 0 = the reverse; 0.5 = no separation.
/// O(n log n) time, O(n) memory.
/// </summary>
public static class Auroc
{
    /// <summary>AUROC of <paramref name="positives"/> (expected to score high) against <paramref name="negatives"/>.</summary>
    /// <exception cref="ArgumentException">Either class is empty (AUROC is undefined for a single class), or a score is not finite.</exception>
    public static double Compute(IEnumerable<double> positives, IEnumerable<double> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        var labelled = new List<(double Score, bool IsPositive)>();
        labelled.AddRange(positives.Select(s => (s, true)));
        labelled.AddRange(negatives.Select(s => (s, false)));
        return Compute(labelled);
    }

    /// <summary>AUROC of labelled scores; <c>IsPositive</c> marks the class expected to score high.</summary>
    /// <exception cref="ArgumentException">Only one class is present, or a score is not finite.</exception>
    public static double Compute(IEnumerable<(double Score, bool IsPositive)> labelledScores)
    {
        ArgumentNullException.ThrowIfNull(labelledScores);
        var items = labelledScores.ToArray();
        long positives = 0;
        for (var i = 0; i < items.Length; i++)
        {
            if (!double.IsFinite(items[i].Score))
            {
                throw new ArgumentException(
                    $"Score #{i} is {items[i].Score}; AUROC needs finite scores.", nameof(labelledScores));
            }

            if (items[i].IsPositive)
            {
                positives++;
            }
        }

        long negatives = items.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException(
                $"AUROC needs at least one positive and one negative score; got {positives} positive(s) " +
                $"and {negatives} negative(s).",
                nameof(labelledScores));
        }

        Array.Sort(items, static (a, b) => a.Score.CompareTo(b.Score));

        // Sum of the (1-based, mid-ranked) ranks of the positives.
        double positiveRankSum = 0;
        var start = 0;
        while (start < items.Length)
        {
            var end = start;
            long positivesInGroup = 0;
            while (end < items.Length && items[end].Score == items[start].Score)
            {
                if (items[end].IsPositive)
                {
                    positivesInGroup++;
                }

                end++;
            }

            // Ranks start+1 .. end share the mid-rank.
            var midRank = (start + 1 + end) / 2.0;
            positiveRankSum += midRank * positivesInGroup;
            start = end;
        }

        var u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }
}
