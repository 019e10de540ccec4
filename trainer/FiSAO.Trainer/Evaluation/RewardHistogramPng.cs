using FiSAO.ShapesWorld.Evaluation;

namespace FiSAO.Trainer.Evaluation;

/// <summary>
/// The paper's Figure 4 as a PNG: the distribution of the token rewards of generated object mentions before and after
/// training (shares per bin, shared bins), with ScottPlot through the shapes world's <see cref="HistogramPlot"/>.
/// </summary>
public static class RewardHistogramPng
{
    public static void Write(string path, IReadOnlyList<float> before, IReadOnlyList<float> after) =>
        HistogramPlot.Save(path, "Token rewards of generated object mentions (Figure 4)", "token reward r (Eq. 8)",
            ("before (warm-up policy)", before.Select(v => (double)v).ToList()),
            ("after FiSAO PPO", after.Select(v => (double)v).ToList()));
}
