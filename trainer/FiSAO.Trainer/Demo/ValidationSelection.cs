using FiSAO.Trainer.Evaluation;

namespace FiSAO.Trainer.Demo;

/// <summary>
/// How each Table 4 arm picks its settings from its grid, fixed before any grid ran (issue 13): on the validation split,
/// with the selection seed, the lowest greedy CHAIR_i among the settings whose greedy recall is at least
/// <see cref="RecallFloor"/> of the warm-up policy's (so an arm cannot win by naming fewer objects); equal CHAIR_i goes
/// to the lower distinct CHAIR_i, then to the earlier setting in grid order. When no setting keeps the recall, the one
/// with the highest recall. The test split plays no part.
/// </summary>
public static class ValidationSelection
{
    public const double RecallFloor = 0.9;

    public const string Criterion =
        "validation split, selection seed: lowest greedy CHAIR_i among settings with greedy recall >= 0.9 x the warm-up policy's " +
        "(ties: lower greedy distinct CHAIR_i, then grid order); none above the floor: highest greedy recall";

    public static T Select<T>(IReadOnlyList<(T Setting, ShapesScores Greedy)> candidates, double warmUpRecall)
    {
        if (candidates.Count == 0) throw new ArgumentException("No settings to choose from.", nameof(candidates));
        var floor = RecallFloor * warmUpRecall;
        var eligible = candidates.Select((c, i) => (c.Setting, c.Greedy, Order: i)).Where(c => c.Greedy.Recall >= floor).ToList();
        if (eligible.Count == 0) return candidates.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Greedy.Recall).ThenBy(x => x.i).First().c.Setting;
        return eligible.OrderBy(c => c.Greedy.ChairI).ThenBy(c => c.Greedy.ChairIDistinct).ThenBy(c => c.Order).First().Setting;
    }
}
