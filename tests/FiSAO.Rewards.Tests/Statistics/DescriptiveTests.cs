using FiSAO.Rewards.Statistics;

namespace FiSAO.Rewards.Tests;

public class DescriptiveTests
{
    [Fact]
    public void Summary_of_a_small_sample_matches_hand_computation()
    {
        var s = Descriptive.Summarize([1, 2, 3, 4]);
        Assert.Equal(4, s.Count);
        Assert.Equal(2.5, s.Mean, 12);
        Assert.Equal(1, s.Min);
        Assert.Equal(4, s.Max);
        Assert.Equal(Math.Sqrt(1.25), s.PopulationStandardDeviation, 12);   // 5 / 4
        Assert.Equal(Math.Sqrt(5.0 / 3), s.SampleStandardDeviation!.Value, 12);
    }

    [Fact]
    public void Single_value_has_zero_population_std_and_no_sample_std()
    {
        var s = Descriptive.Summarize([7]);
        Assert.Equal(7, s.Mean);
        Assert.Equal(0, s.PopulationStandardDeviation);
        Assert.Null(s.SampleStandardDeviation);
        Assert.Throws<ArgumentException>(() => Descriptive.SampleStandardDeviation([7]));
    }

    [Fact]
    public void Large_offset_does_not_destroy_precision()
    {
        var values = new[] { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
        Assert.Equal(1e9 + 10, Descriptive.Mean(values), 6);
        Assert.Equal(Math.Sqrt(22.5), Descriptive.PopulationStandardDeviation(values), 6);  // (36 + 9 + 9 + 36) / 4
    }

    [Fact]
    public void Mean_of_identical_values_stays_inside_min_and_max()
    {
        var s = Descriptive.Summarize([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
        Assert.InRange(s.Mean, s.Min, s.Max);
    }

    [Fact]
    public void Empty_sample_is_an_error()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Descriptive.Mean([])).Message);
    }

    [Fact]
    public void Non_finite_value_is_an_error_naming_its_position()
    {
        Assert.Contains("Value #1", Assert.Throws<ArgumentException>(() => Descriptive.Mean([1, double.NaN])).Message);
    }
}
