using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Alignment;

/// <summary>
/// Finds entity mentions in a policy response and maps each to its token span. Thread-safe; build one per entity
/// set and reuse it (the trie is built once per <see cref="EntitySet"/>). Matching is longest-match over the entity
/// set, case- and punctuation-insensitive, on whole words only (see <see cref="EntityMatcher"/>).
/// </summary>
public sealed class MentionFinder
{
    [ThreadStatic] private static DecodeBuffer? t_buffer;
    [ThreadStatic] private static List<RawMatch>? t_raw;

    private readonly EntityMatcher _matcher;

    /// <summary>A finder over <paramref name="entities"/> (default: <see cref="EntitySet.Default"/>).</summary>
    public MentionFinder(EntitySet? entities = null)
    {
        Entities = entities ?? EntitySet.Default;
        _matcher = Entities.Matcher;
    }

    /// <summary>The entity set matched against.</summary>
    public EntitySet Entities { get; }

    /// <summary>
    /// Mentions in the response given as token pieces (their concatenation, decoded per <paramref name="format"/>,
    /// is the response). Token spans index <paramref name="tokens"/>. The hot path for the verifier: no regex, no
    /// per-call text allocation beyond the result.
    /// </summary>
    public IReadOnlyList<EntityMention> FindInTokens(IReadOnlyList<string> tokens, TokenFormat format = TokenFormat.Auto)
    {
        var buf = t_buffer ??= new DecodeBuffer();
        TokenDecoder.DecodeInto(tokens, format, buf);
        return Collect(buf);
    }

    /// <summary>Like <see cref="FindInTokens"/>, also returning the decoded text (which the character offsets refer
    /// to) and the format used.</summary>
    public TokenMentions FindInTokensWithText(IReadOnlyList<string> tokens, TokenFormat format = TokenFormat.Auto)
    {
        var buf = t_buffer ??= new DecodeBuffer();
        var used = TokenDecoder.DecodeInto(tokens, format, buf);
        var mentions = Collect(buf);
        return new TokenMentions(new string(buf.Chars, 0, buf.Length), used, tokens.Count, mentions);
    }

    /// <summary>Mentions in an already decoded response.</summary>
    public IReadOnlyList<EntityMention> FindInDecoded(DecodedText decoded)
    {
        var raw = t_raw ??= [];
        raw.Clear();
        _matcher.Match(decoded.Text, raw);
        var result = new List<EntityMention>(raw.Count);
        foreach (var m in raw)
        {
            var (ts, te) = decoded.TokenSpan(m.CharStart, m.CharEnd);
            result.Add(new EntityMention(m.Entry.Surface, m.Entry.Canonical!, ts, te, m.CharStart, m.CharEnd));
        }
        return result;
    }

    /// <summary>
    /// Plain-text entry point (REST users who send a caption): splits the caption into word tokens itself (runs of
    /// letters/digits, keeping an apostrophe between letters: "dog's"; each other non-space character is a token)
    /// and returns the mentions with token spans over those word tokens.
    /// </summary>
    public TextMentions FindInText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = SplitWords(text);
        var raw = t_raw ??= [];
        raw.Clear();
        _matcher.Match(text, raw);
        var result = new List<EntityMention>(raw.Count);
        int t = 0;
        foreach (var m in raw)
        {
            while (t < tokens.Count && tokens[t].CharEnd <= m.CharStart) t++;
            int start = t, end = t;
            while (end < tokens.Count && tokens[end].CharStart < m.CharEnd) end++;
            result.Add(new EntityMention(m.Entry.Surface, m.Entry.Canonical!, start, end, m.CharStart, m.CharEnd));
        }
        return new TextMentions(text, tokens, result);
    }

    /// <summary>The word tokens <see cref="FindInText"/> uses.</summary>
    public static IReadOnlyList<WordToken> SplitWords(string text)
    {
        var tokens = new List<WordToken>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int s = i;
            if (SurfaceText.IsWordChar(c))
            {
                while (i < text.Length && (SurfaceText.IsWordChar(text[i])
                       || (IsApostrophe(text[i]) && i + 1 < text.Length && SurfaceText.IsWordChar(text[i + 1]) && i > s)))
                    i++;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i += 2;
            else i++;
            tokens.Add(new WordToken(text[s..i], s, i));
        }
        return tokens;
    }

    private static bool IsApostrophe(char c) => c is '\'' or '\u2019';

    private List<EntityMention> Collect(DecodeBuffer buf)
    {
        var raw = t_raw ??= [];
        raw.Clear();
        _matcher.Match(buf.Chars.AsSpan(0, buf.Length), raw);
        var result = new List<EntityMention>(raw.Count);
        foreach (var m in raw)
        {
            result.Add(new EntityMention(m.Entry.Surface, m.Entry.Canonical!, buf.First[m.CharStart], buf.Last[m.CharEnd - 1] + 1,
                m.CharStart, m.CharEnd));
        }
        return result;
    }
}
