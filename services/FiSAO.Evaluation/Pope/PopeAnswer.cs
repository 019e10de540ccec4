namespace FiSAO.Evaluation.Pope;

/// <summary>
/// Reads a yes/no out of a free-text answer exactly as POPE's <c>evaluate.py</c> does: keep the text before the first
/// period, drop commas, split on spaces; the answer is "no" when one of the words is "No", "no" or "not" (case-sensitive,
/// whole words), otherwise "yes". So an ambiguous, empty or off-topic answer counts as yes (it raises the yes-ratio),
/// "NO" and "No!" count as yes, and "There is no dog, but a cat." counts as no.
/// </summary>
public static class PopeAnswer
{
    private static readonly HashSet<string> NoWords = new(StringComparer.Ordinal) { "No", "not", "no" };

    public static string Parse(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var text = answer;
        var period = text.IndexOf('.');
        if (period >= 0) text = text[..period];
        text = text.Replace(",", "", StringComparison.Ordinal);
        return text.Split(' ').Any(NoWords.Contains) ? PopeQuestion.No : PopeQuestion.Yes;
    }
}
