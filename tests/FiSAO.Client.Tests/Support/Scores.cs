namespace FiSAO.Client.Tests.Support;

public static class Scores
{
    /// <summary>
    /// Equal up to float rounding. Scoring is a pure function of its input, but an image encoded in a different encoder
    /// batch (another process, other company in the batch) gets features that differ in the last bits: libtorch's
    /// batched kernels do not add in a fixed order. Seen: S = 2.46351552 vs 2.46351528 for the same image and mention.
    /// </summary>
    public static void AssertClose(IEnumerable<float> expected, IEnumerable<float> actual)
    {
        var (e, a) = (expected.ToList(), actual.ToList());
        Assert.Equal(e.Count, a.Count);
        for (int i = 0; i < e.Count; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 * Math.Max(1, Math.Abs(e[i])), $"score {i}: {e[i]} vs {a[i]}");
    }
}
