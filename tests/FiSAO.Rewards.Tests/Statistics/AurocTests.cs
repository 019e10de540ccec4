using FiSAO.Rewards.Statistics;

namespace FiSAO.Rewards.Tests;

public class AurocTests
{
    [Fact]
    public void Perfect_separation_gives_one()
    {
        Assert.Equal(1.0, Auroc.Compute([5, 6, 7], [1, 2, 3, 4]));
    }

    [Fact]
    public void Inverse_separation_gives_zero()
    {
        Assert.Equal(0.0, Auroc.Compute([1, 2], [3, 4, 5]));
    }

    [Fact]
    public void All_scores_tied_gives_one_half()
    {
        Assert.Equal(0.5, Auroc.Compute([2, 2, 2], [2, 2]));
    }

    [Fact]
    public void Ties_across_classes_count_one_half_as_in_a_hand_computation()
    {
        // Positives 1, 2, 2, 3 against negatives 2, 2, 0 (12 pairs):
        // 1 beats 0 -> 1; each 2 beats 0 and ties two 2s -> 2 each; 3 beats all -> 3. Total 8 / 12.
        Assert.Equal(8.0 / 12, Auroc.Compute([1, 2, 2, 3], [2, 2, 0]), 12);
    }

    [Fact]
    public void Interleaved_scores_without_ties_match_pair_counting()
    {
        // Positives 0.9, 0.4, 0.6; negatives 0.5, 0.1: pairs won = 2 + 1 + 2 = 5 of 6.
        Assert.Equal(5.0 / 6, Auroc.Compute([0.9, 0.4, 0.6], [0.5, 0.1]), 12);
    }

    [Fact]
    public void Labelled_overload_agrees_with_the_two_list_form()
    {
        (double, bool)[] labelled = [(1, true), (2, false), (2, true), (0, false), (2, true), (3, true), (2, false)];
        Assert.Equal(8.0 / 12, Auroc.Compute(labelled), 12);
    }

    [Fact]
    public void Matches_brute_force_pair_counting_on_random_scores_with_ties()
    {
        var random = new Random(1234);
        var positives = Enumerable.Range(0, 200).Select(_ => (double)random.Next(0, 20)).ToArray();
        var negatives = Enumerable.Range(0, 150).Select(_ => (double)random.Next(-5, 15)).ToArray();
        var wins = 0.0;
        foreach (var p in positives)
        {
            foreach (var n in negatives)
            {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }

        Assert.Equal(wins / (positives.Length * negatives.Length), Auroc.Compute(positives, negatives), 12);
    }

    [Fact]
    public void Single_class_is_an_error_that_gives_the_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Auroc.Compute([1, 2, 3], []));
        Assert.Contains("got 3 positive(s) and 0 negative(s)", e.Message);
        Assert.Throws<ArgumentException>(() => Auroc.Compute([], [1.0]));
    }

    [Fact]
    public void Non_finite_score_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => Auroc.Compute([1, double.NaN], [0]));
    }
}
