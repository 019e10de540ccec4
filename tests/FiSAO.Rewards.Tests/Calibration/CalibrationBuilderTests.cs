namespace FiSAO.Rewards.Tests;

public class CalibrationBuilderTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 26, 8, 30, 0, TimeSpan.Zero);

    // Correct mentions score 20, 24, 28, 32; hallucinated ones 12, 16, 20.
    private static CalibrationBuilder Sample(int histogramBins = 4)
    {
        var builder = new CalibrationBuilder
        {
            ModelId = "openai/clip-vit-large-patch14-336",
            EntitySetHash = "sha256:abc",
            MentionTemplate = "{}",
            HistogramBins = histogramBins,
        };
        builder.AddRange([(20, true), (12, false), (24, true), (16, false), (28, true), (20, false), (32, true)]);
        return builder;
    }

    [Fact]
    public void Means_are_eq7_averages_per_class()
    {
        var c = Sample().Build(Created);
        Assert.Equal(26.0, c.MuGt, 12);   // (20 + 24 + 28 + 32) / 4
        Assert.Equal(16.0, c.MuHal, 12);  // (12 + 16 + 20) / 3
    }

    [Fact]
    public void Sets_count_each_object_of_a_response_once_as_eq7_writes_and_mentions_pool_every_mention()
    {
        // Response 1: dog (correct) named twice, S 30 and 32; cat (hallucinated) once, 20.
        // Response 2: dog (correct) once, 28; cat (hallucinated) twice, 22 and 24.
        JudgedScore[] first = [new("dog", 30, true), new("cat", 20, false), new("dog", 32, true)];
        JudgedScore[] second = [new("cat", 22, false), new("dog", 28, true), new("cat", 24, false)];
        CalibrationBuilder Built(CalibrationCount count)
        {
            var builder = new CalibrationBuilder();
            builder.AddResponse(first, count);
            builder.AddResponse(second, count);
            return builder;
        }

        // Sets: dog's means per response 31 and 28 -> mu_gt = 29.5; cat's 20 and 23 -> mu_hal = 21.5; 2 + 2 observations.
        var sets = Built(CalibrationCount.Sets).Build(Created);
        Assert.Equal(29.5, sets.MuGt, 12);
        Assert.Equal(21.5, sets.MuHal, 12);
        Assert.Equal((2, 2), (sets.CorrectCount, sets.HallucinatedCount));
        Assert.Equal((20.0, 31.0), (sets.SMin, sets.SMax));

        // Mentions: (30 + 32 + 28) / 3 = 30 and (20 + 22 + 24) / 3 = 22; 3 + 3 observations.
        var mentions = Built(CalibrationCount.Mentions).Build(Created);
        Assert.Equal(30.0, mentions.MuGt, 12);
        Assert.Equal(22.0, mentions.MuHal, 12);
        Assert.Equal((3, 3), (mentions.CorrectCount, mentions.HallucinatedCount));
    }

    [Fact]
    public void Bounds_and_counts_cover_both_classes()
    {
        var c = Sample().Build(Created);
        Assert.Equal(12.0, c.SMin);
        Assert.Equal(32.0, c.SMax);
        Assert.Equal(4, c.CorrectCount);
        Assert.Equal(3, c.HallucinatedCount);
    }

    [Fact]
    public void Report_statistics_are_population_std_auroc_and_histogram()
    {
        var c = Sample().Build(Created);
        Assert.Equal(Math.Sqrt(20.0), c.StdGt!.Value, 12);          // (36 + 4 + 4 + 36) / 4
        Assert.Equal(Math.Sqrt(32.0 / 3), c.StdHal!.Value, 12);     // (16 + 0 + 16) / 3
        Assert.Equal(11.5 / 12, c.Auroc!.Value, 12);                // 20 vs 20 is a tie: 0.5
        // Bins of width 5 over [12, 32]: [12,17) [17,22) [22,27) [27,32].
        Assert.Equal(new CalibrationHistogram(12, 32, [0, 1, 1, 2], [2, 1, 0, 0]), c.Histogram);
    }

    [Fact]
    public void Provenance_is_recorded()
    {
        var c = Sample().Build(Created);
        Assert.Equal("openai/clip-vit-large-patch14-336", c.ModelId);
        Assert.Equal("sha256:abc", c.EntitySetHash);
        Assert.Equal("{}", c.MentionTemplate);
        Assert.Equal(Created, c.CreatedUtc);
        Assert.Empty(c.Validate());
    }

    [Fact]
    public void Zero_histogram_bins_means_no_histogram()
    {
        Assert.Null(Sample(histogramBins: 0).Build(Created).Histogram);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CalibrationBuilder { HistogramBins = -1 });
    }

    [Fact]
    public void Identical_scores_give_a_valid_calibration_with_a_unit_wide_histogram()
    {
        var builder = new CalibrationBuilder();
        builder.Add(0.1, true);
        builder.Add(0.1, true);
        builder.Add(0.1, true);
        builder.Add(0.1, false);
        var c = builder.Build(Created);
        Assert.Empty(c.Validate());
        Assert.Equal(0.1, c.MuGt);
        Assert.Equal(0.5, c.Auroc);
        Assert.Equal(-0.4, c.Histogram!.Min, 12);
        Assert.Equal(0.6, c.Histogram.Max, 12);
    }

    [Fact]
    public void No_correct_mentions_is_refused_with_a_clear_message()
    {
        var builder = new CalibrationBuilder();
        builder.Add(12, false);
        var e = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("no correct mentions were observed (1 hallucinated)", e.Message);
        Assert.Contains("mu_gt", e.Message);
    }

    [Fact]
    public void No_hallucinated_mentions_is_refused_with_a_clear_message()
    {
        var builder = new CalibrationBuilder();
        builder.Add(30, true);
        builder.Add(31, true);
        var e = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("no hallucinated mentions were observed (2 correct)", e.Message);
        Assert.Contains("mu_hal", e.Message);
    }

    [Fact]
    public void No_mentions_at_all_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new CalibrationBuilder().Build());
        Assert.Contains("no mentions were observed at all", e.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_score_is_rejected(double score)
    {
        Assert.Throws<ArgumentException>(() => new CalibrationBuilder().Add(score, true));
    }

    [Fact]
    public void Template_without_placeholder_is_refused_at_build()
    {
        var builder = new CalibrationBuilder { MentionTemplate = "a photo" };
        builder.AddRange([(1, true), (0, false)]);
        var e = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("mention_template", e.Message);
    }

    [Fact]
    public void Concurrent_adds_are_all_counted()
    {
        var builder = new CalibrationBuilder();
        Parallel.For(0, 10_000, i => builder.Add(i % 100, i % 3 == 0));
        Assert.Equal(3334, builder.CorrectCount);
        Assert.Equal(6666, builder.HallucinatedCount);
        var c = builder.Build(Created);
        Assert.Equal(10_000, c.Histogram!.Correct.Sum() + c.Histogram.Hallucinated.Sum());
    }

    [Fact]
    public void Built_calibration_drives_the_reward_function()
    {
        // mu_gt = 26, mu_hal = 16, S in [12, 32], lambda = 0: S = 29 -> (29 - 26) / (32 - 26) = 0.5.
        var f = new RewardFunction(new RewardSettings(), Sample().Build(Created));
        Assert.Equal(0.5, f.Reward(29), 12);
        Assert.Equal(-0.5, f.Reward(14), 12);   // (14 - 16) / (16 - 12)
    }
}
