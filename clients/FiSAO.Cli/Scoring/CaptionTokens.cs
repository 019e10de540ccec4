using FiSAO.Rewards.Alignment;

namespace FiSAO.Cli;

/// <summary>
/// A caption as tokens, split the way the verifier's REST <c>/v1/score</c> splits one (<see cref="MentionFinder.SplitWords"/>:
/// words, with an apostrophe inside a word; every other non-space character alone). Each token sent carries the
/// whitespace before its word, so the PLAIN concatenation is the caption itself and the verifier finds the same
/// mentions it finds in the caption; <see cref="Words"/> are the tokens as shown (the REST answer's tokens).
/// </summary>
internal sealed record CaptionTokens(IReadOnlyList<string> Sent, IReadOnlyList<string> Words)
{
    public static CaptionTokens Split(string caption)
    {
        var words = MentionFinder.SplitWords(caption);
        var sent = new List<string>(words.Count);
        int previousEnd = 0;
        foreach (var word in words)
        {
            sent.Add(caption[previousEnd..word.CharEnd]);
            previousEnd = word.CharEnd;
        }
        return new CaptionTokens(sent, words.Select(w => w.Text).ToList());
    }
}
