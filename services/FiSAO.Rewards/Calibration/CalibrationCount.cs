namespace FiSAO.Rewards;

/// <summary>
/// What one observation of Eq. 7's means is (<c>calibration.count</c>). The paper averages S over each response's SET of
/// correct objects O^i and hallucinated objects O~^i (|O^i| in the denominator: an object named three times in one
/// response counts once); the verifier's first calibrations pooled every mention.
/// </summary>
public enum CalibrationCount
{
    /// <summary>Every judged mention is one observation (an object named k times in a response weighs k).</summary>
    Mentions = 0,

    /// <summary>Each response's distinct objects, one observation each: the mean S of that object's mentions in the
    /// response (Eq. 7's |O^i|).</summary>
    Sets = 1,
}

/// <summary>One judged mention of a calibration response: the object it was judged as, its score S, and whether the
/// object is in the image.</summary>
public readonly record struct JudgedScore(string Object, double Score, bool IsCorrect);
