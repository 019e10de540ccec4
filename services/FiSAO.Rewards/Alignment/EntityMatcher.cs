using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Alignment;

/// <summary>A match of a surface form (or blocker) in text.</summary>
internal readonly record struct RawMatch(int CharStart, int CharEnd, EntitySetEntry Entry);

/// <summary>
/// Longest-match lookup of entity surface forms over words, built once per <see cref="EntitySet"/>.
/// Words are maximal runs of <see cref="SurfaceText.IsWordChar"/> characters (so "cat" never matches inside
/// "category"); a word is looked up case-insensitively without allocating (span lookup in a word -> id dictionary),
/// and the word ids walk a trie of surface forms. A multi-word form only matches across gaps of whitespace,
/// hyphens, apostrophes or underscores ("hot dog", "hot-dog", "pitcher's mound"), never across other punctuation
/// ("hot. Dog"). At every word the longest form wins ("hot dog" over "dog"); matched words are consumed. A matched
/// blocker phrase ("train track") is consumed but not reported.
/// </summary>
internal sealed class EntityMatcher
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _words;
    private readonly Dictionary<long, int> _next;
    private readonly EntitySetEntry?[] _terminal;
    private readonly int _maxWords;

    [ThreadStatic] private static int[]? t_wordStart;
    [ThreadStatic] private static int[]? t_wordEnd;
    [ThreadStatic] private static bool[]? t_joinable;

    public EntityMatcher(EntitySet set)
    {
        var words = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var next = new Dictionary<long, int>();
        var terminal = new List<EntitySetEntry?> { null };
        foreach (var entry in set.Entries)
        {
            int node = 0;
            foreach (var w in entry.Surface.Split(' '))
            {
                if (!words.TryGetValue(w, out int id)) words[w] = id = words.Count;
                long key = ((long)node << 32) | (uint)id;
                if (!next.TryGetValue(key, out int child))
                {
                    child = terminal.Count;
                    terminal.Add(null);
                    next[key] = child;
                }
                node = child;
            }
            terminal[node] = entry;
        }
        _words = words.GetAlternateLookup<ReadOnlySpan<char>>();
        _next = next;
        _terminal = terminal.ToArray();
        _maxWords = Math.Max(1, set.MaxWordsPerForm);
    }

    /// <summary>Appends the matches in <paramref name="text"/> to <paramref name="output"/> (blockers included
    /// when <paramref name="includeBlockers"/>).</summary>
    public void Match(ReadOnlySpan<char> text, List<RawMatch> output, bool includeBlockers = false)
    {
        int capacity = text.Length / 2 + 2;
        var starts = t_wordStart;
        if (starts is null || starts.Length < capacity)
        {
            int n = Math.Max(capacity, 256);
            t_wordStart = starts = new int[n];
            t_wordEnd = new int[n];
            t_joinable = new bool[n];
        }
        var ends = t_wordEnd!;
        var joinable = t_joinable!;

        // 1. Words and whether each may continue a multi-word form started before it.
        int count = 0;
        bool gapJoinable = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (SurfaceText.IsWordChar(c))
            {
                int s = i;
                while (i < text.Length && SurfaceText.IsWordChar(text[i])) i++;
                starts[count] = s;
                ends[count] = i;
                joinable[count] = count > 0 && gapJoinable;
                count++;
                gapJoinable = true;
            }
            else
            {
                if (!IsJoiner(c)) gapJoinable = false;
                i++;
            }
        }

        // 2. Longest match at each word.
        int w = 0;
        while (w < count)
        {
            int node = 0, bestEnd = -1;
            EntitySetEntry? best = null;
            int limit = Math.Min(count, w + _maxWords);
            for (int j = w; j < limit; j++)
            {
                if (j > w && !joinable[j]) break;
                if (!_words.TryGetValue(text[starts[j]..ends[j]], out int id)) break;
                if (!_next.TryGetValue(((long)node << 32) | (uint)id, out node)) break;
                var t = _terminal[node];
                if (t is not null) { best = t; bestEnd = j; }
            }
            if (best is null) { w++; continue; }
            if (!best.IsBlocker || includeBlockers) output.Add(new RawMatch(starts[w], ends[bestEnd], best));
            w = bestEnd + 1;
        }
    }

    /// <summary>Matches in a plain string, as mentions without token spans (TokenStart = TokenEnd = -1).</summary>
    public List<EntityMention> FindInText(string text)
    {
        var raw = new List<RawMatch>();
        Match(text, raw);
        var result = new List<EntityMention>(raw.Count);
        foreach (var m in raw) result.Add(new EntityMention(m.Entry.Surface, m.Entry.Canonical!, -1, -1, m.CharStart, m.CharEnd));
        return result;
    }

    private static bool IsJoiner(char c) =>
        char.IsWhiteSpace(c) || c is '-' or '\'' or '_' or '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2019';
}
