namespace FiSAO.Rewards.Alignment;

/// <summary>
/// One entity mention found in a response.
/// </summary>
/// <param name="Surface">The matched surface form as stored in the entity set (normalised: "traffic lights"); stable,
/// so text embeddings can be precomputed per form.</param>
/// <param name="Canonical">The canonical entity ("traffic light").</param>
/// <param name="TokenStart">First token of the mention (inclusive).</param>
/// <param name="TokenEnd">End token (exclusive): the tokens are <c>[TokenStart, TokenEnd)</c>; a token belongs to the
/// mention when any of its characters lies in <c>[CharStart, CharEnd)</c>. The last token is <c>TokenEnd - 1</c>.</param>
/// <param name="CharStart">Start of the mention in the decoded text (UTF-16 index, inclusive).</param>
/// <param name="CharEnd">End of the mention in the decoded text (exclusive).</param>
public sealed record EntityMention(string Surface, string Canonical, int TokenStart, int TokenEnd, int CharStart, int CharEnd)
{
    /// <summary>Number of tokens the mention spans.</summary>
    public int TokenCount => TokenEnd - TokenStart;

    /// <summary>Number of words of the surface form.</summary>
    public int WordCount => Entities.SurfaceText.WordCount(Surface);
}

/// <summary>A word token of a caption split by <see cref="MentionFinder.FindInText"/>.</summary>
/// <param name="Text">The token text as it appears.</param>
/// <param name="CharStart">Start in the caption (inclusive).</param>
/// <param name="CharEnd">End in the caption (exclusive).</param>
public sealed record WordToken(string Text, int CharStart, int CharEnd);

/// <summary>Mentions found in a token sequence, with the decoded text their character offsets refer to.</summary>
/// <param name="Text">The decoded response.</param>
/// <param name="Format">The format used (the detected one when <see cref="TokenFormat.Auto"/> was asked).</param>
/// <param name="TokenCount">Number of tokens given.</param>
/// <param name="Mentions">Mentions in text order; token spans index the given tokens.</param>
public sealed record TokenMentions(string Text, TokenFormat Format, int TokenCount, IReadOnlyList<EntityMention> Mentions);

/// <summary>Mentions found in a plain caption, with the word tokens their token spans index.</summary>
/// <param name="Text">The caption.</param>
/// <param name="Tokens">Word tokens: runs of letters/digits (apostrophes inside a word kept: "dog's") and single
/// punctuation characters; whitespace separates tokens and is not one.</param>
/// <param name="Mentions">Mentions in text order; token spans index <paramref name="Tokens"/>.</param>
public sealed record TextMentions(string Text, IReadOnlyList<WordToken> Tokens, IReadOnlyList<EntityMention> Mentions);
