using System.Text;

namespace FiSAO.Rewards.Entities;

/// <summary>
/// The one normalisation shared by the entity-set builder, the loader and the mention finder, so that a
/// surface form in the table and a word sequence in a response compare equal exactly when they should.
/// A "word" is a maximal run of letters or digits (<see cref="char.IsLetterOrDigit(char)"/>); everything
/// else (spaces, hyphens, apostrophes, underscores, punctuation) separates words. Keys are lower-cased
/// (invariant) words joined by single spaces: "Traffic-Lights" -> "traffic lights", "pitcher's mound" ->
/// "pitcher s mound", "hot_dog" -> "hot dog".
/// </summary>
public static class SurfaceText
{
    /// <summary>True for characters that belong to a word.</summary>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c);

    /// <summary>Normalises free text (a surface form, a label, a ground-truth name) to its lookup key.
    /// Returns the empty string when the text holds no word.</summary>
    public static string NormalizeKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (IsWordChar(c))
            {
                if (pendingSpace && sb.Length > 0) sb.Append(' ');
                pendingSpace = false;
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                pendingSpace = true;
            }
        }
        return sb.ToString();
    }

    /// <summary>Number of words in a normalised key.</summary>
    public static int WordCount(string key)
    {
        if (key.Length == 0) return 0;
        int n = 1;
        foreach (char c in key) if (c == ' ') n++;
        return n;
    }
}
