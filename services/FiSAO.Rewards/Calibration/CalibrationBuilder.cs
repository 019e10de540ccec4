using FiSAO.Rewards.Statistics;

namespace FiSAO.Rewards;

/// <summary>
/// Accumulates (score S, is-correct) observations of entity mentions from calibration responses and produces
/// the Eq. 7 baselines: mu_gt = mean S of correct mentions, mu_hal = mean S of hallucinated mentions, plus
/// S_min/S_max over all of them, per-class standard deviations, AUROC and a Figure 1 histogram.
/// Thread-safe: <see cref="Add"/> may be called from several threads; <see cref="Build"/> sees a snapshot.
/// Keeps every score (8 bytes each) so that AUROC and the histogram can be computed.
/// </summary>
public sealed class CalibrationBuilder
{
    /// <summary>Default number of histogram bins.</summary>
    public const int DefaultHistogramBins = 20;

    private readonly object _gate = new();
    private readonly List<double> _correct = [];
    private readonly List<double> _hallucinated = [];
    private readonly int _histogramBins = DefaultHistogramBins;

    /// <summary>Recorded as <see cref="Calibration.ModelId"/>.</summary>
    public string? ModelId { get; init; }

    /// <summary>Recorded as <see cref="Calibration.EntitySetHash"/>.</summary>
    public string? EntitySetHash { get; init; }

    /// <summary>Recorded as <see cref="Calibration.MentionTemplate"/>; must contain "{}" exactly once when set.</summary>
    public string? MentionTemplate { get; init; }

    /// <summary>Histogram bins (default 20); 0 = no histogram.</summary>
    public int HistogramBins
    {
        get => _histogramBins;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(HistogramBins));
            _histogramBins = value;
        }
    }

    public long CorrectCount
    {
        get
        {
            lock (_gate)
            {
                return _correct.Count;
            }
        }
    }

    public long HallucinatedCount
    {
        get
        {
            lock (_gate)
            {
                return _hallucinated.Count;
            }
        }
    }

    /// <summary>Records one mention's score and whether its object is in the image.</summary>
    /// <exception cref="ArgumentException">The score is NaN or infinite.</exception>
    public void Add(double score, bool isCorrect)
    {
        if (!double.IsFinite(score))
        {
            throw new ArgumentException($"Calibration scores must be finite; got {score}.", nameof(score));
        }

        lock (_gate)
        {
            (isCorrect ? _correct : _hallucinated).Add(score);
        }
    }

    /// <summary>Records several observations (each validated as in <see cref="Add"/>).</summary>
    public void AddRange(IEnumerable<(double Score, bool IsCorrect)> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        foreach (var (score, isCorrect) in observations)
        {
            Add(score, isCorrect);
        }
    }

    /// <summary>
    /// Records one response's judged mentions as <paramref name="count"/> says: each mention (<see cref="CalibrationCount.Mentions"/>),
    /// or each distinct object of the response once, with the mean score of its mentions (<see cref="CalibrationCount.Sets"/>,
    /// Eq. 7's sets O^i and O~^i).
    /// </summary>
    public void AddResponse(IEnumerable<JudgedScore> mentions, CalibrationCount count)
    {
        ArgumentNullException.ThrowIfNull(mentions);
        var judged = mentions.ToList();
        if (count == CalibrationCount.Mentions)
        {
            AddRange(judged.Select(m => (m.Score, m.IsCorrect)));
            return;
        }
        if (count != CalibrationCount.Sets) throw new ArgumentOutOfRangeException(nameof(count), count, "Not a calibration count.");
        // One object is correct or hallucinated for the whole response (its image's ground truth), so (object, class) is the set element.
        AddRange(judged.GroupBy(m => (m.Object, m.IsCorrect)).Select(g => (g.Average(m => m.Score), g.Key.IsCorrect)));
    }

    /// <summary>The calibration of everything added so far.</summary>
    /// <param name="createdUtc">Timestamp to record; default now.</param>
    /// <exception cref="InvalidOperationException">There are no correct or no hallucinated mentions, so mu_gt or mu_hal is undefined.</exception>
    public Calibration Build(DateTimeOffset? createdUtc = null)
    {
        double[] correct;
        double[] hallucinated;
        lock (_gate)
        {
            correct = _correct.ToArray();
            hallucinated = _hallucinated.ToArray();
        }

        if (correct.Length == 0 || hallucinated.Length == 0)
        {
            var missing = (correct.Length, hallucinated.Length) switch
            {
                (0, 0) => "no mentions were observed at all; mu_gt and mu_hal (Eq. 7) are means over correct and hallucinated mentions",
                (0, _) => $"no correct mentions were observed ({hallucinated.Length} hallucinated); mu_gt (Eq. 7) is the mean score of correct mentions",
                _ => $"no hallucinated mentions were observed ({correct.Length} correct); mu_hal (Eq. 7) is the mean score of hallucinated mentions",
            };
            throw new InvalidOperationException($"Cannot calibrate: {missing} and needs at least one. Use more or other calibration responses.");
        }

        var gt = Descriptive.Summarize(correct);
        var hal = Descriptive.Summarize(hallucinated);
        var sMin = Math.Min(gt.Min, hal.Min);
        var sMax = Math.Max(gt.Max, hal.Max);

        CalibrationHistogram? histogram = null;
        if (HistogramBins > 0)
        {
            // All scores equal: give the single value a unit-wide range so the bins are well defined.
            var (low, high) = sMin < sMax ? (sMin, sMax) : (sMin - 0.5, sMax + 0.5);
            histogram = new CalibrationHistogram(
                low,
                high,
                Histogram.Of(correct, low, high, HistogramBins).Counts.ToArray(),
                Histogram.Of(hallucinated, low, high, HistogramBins).Counts.ToArray());
        }

        var calibration = new Calibration
        {
            MuGt = gt.Mean,
            MuHal = hal.Mean,
            SMin = sMin,
            SMax = sMax,
            CorrectCount = gt.Count,
            HallucinatedCount = hal.Count,
            StdGt = gt.PopulationStandardDeviation,
            StdHal = hal.PopulationStandardDeviation,
            Auroc = Statistics.Auroc.Compute(correct, hallucinated),
            Histogram = histogram,
            ModelId = ModelId,
            EntitySetHash = EntitySetHash,
            MentionTemplate = MentionTemplate,
            CreatedUtc = (createdUtc ?? DateTimeOffset.UtcNow).ToUniversalTime(),
        };

        // Catches a bad MentionTemplate; the statistics themselves are consistent by construction.
        var errors = calibration.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Cannot calibrate: " + string.Join(" ", errors));
        }

        return calibration;
    }
}
