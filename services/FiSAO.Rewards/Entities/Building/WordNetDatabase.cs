using System.Text;

namespace FiSAO.Rewards.Entities.Building;

/// <summary>
/// A minimal reader of the WordNet 3.0 noun database in its original text format (Debian's <c>wordnet-base</c>:
/// <c>index.noun</c>, <c>data.noun</c>, <c>noun.exc</c>; plus <c>index.verb</c>/<c>index.adj</c>/<c>index.adv</c>
/// for part-of-speech counts). Synsets are addressed by their byte offset in data.noun; NLTK-style names
/// ("dog.n.01") resolve through index.noun's sense order, exactly as NLTK does.
/// </summary>
public sealed class WordNetDatabase
{
    private readonly Dictionary<string, IndexEntry> _nouns;
    private readonly Dictionary<string, int>[] _otherPosTagCounts;
    private readonly byte[] _dataNoun;
    private readonly Dictionary<long, Synset> _synsets = new();

    /// <summary>Irregular noun inflections from noun.exc (inflected form -> base forms), keys with spaces.</summary>
    public IReadOnlyDictionary<string, string[]> NounExceptions { get; }

    /// <summary>The files read, for provenance (name -> full path).</summary>
    public IReadOnlyList<string> Files { get; }

    public sealed record IndexEntry(string Lemma, long[] Offsets, int TaggedSenseCount);

    public sealed record Synset(long Offset, IReadOnlyList<string> Lemmas, IReadOnlyList<long> Hypernyms);

    private WordNetDatabase(Dictionary<string, IndexEntry> nouns, Dictionary<string, int>[] other, byte[] dataNoun,
        Dictionary<string, string[]> exc, IReadOnlyList<string> files)
    {
        _nouns = nouns;
        _otherPosTagCounts = other;
        _dataNoun = dataNoun;
        NounExceptions = exc;
        Files = files;
    }

    /// <summary>True when <paramref name="directory"/> holds the WordNet noun files this reader needs.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, "index.noun")) && File.Exists(Path.Combine(directory, "data.noun"))
        && File.Exists(Path.Combine(directory, "noun.exc"));

    public static WordNetDatabase Load(string directory)
    {
        if (!Exists(directory))
            throw new FileNotFoundException($"WordNet 3.0 noun files (index.noun, data.noun, noun.exc) not found in '{directory}'. On Debian: apt-get install wordnet-base.");
        var files = new List<string>();
        string P(string name) { var p = Path.Combine(directory, name); files.Add(p); return p; }
        var nouns = ReadIndex(P("index.noun"));
        var dataNoun = File.ReadAllBytes(P("data.noun"));
        var exc = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(P("noun.exc"), Encoding.Latin1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) continue;
            exc[parts[0].Replace('_', ' ')] = parts.Skip(1).Select(b => b.Replace('_', ' ')).ToArray();
        }
        var other = new Dictionary<string, int>[3];
        string[] otherFiles = ["index.verb", "index.adj", "index.adv"];
        for (int i = 0; i < 3; i++)
        {
            other[i] = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = Path.Combine(directory, otherFiles[i]);
            if (!File.Exists(path)) continue;
            foreach (var e in ReadIndex(P(otherFiles[i])).Values) other[i][e.Lemma] = e.TaggedSenseCount;
        }
        return new WordNetDatabase(nouns, other, dataNoun, exc, files);
    }

    private static Dictionary<string, IndexEntry> ReadIndex(string path)
    {
        var result = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path, Encoding.Latin1))
        {
            if (line.Length == 0 || line[0] == ' ') continue; // licence header lines start with two spaces
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
            int synsetCount = int.Parse(p[2]);
            int pointerCount = int.Parse(p[3]);
            int tagged = int.Parse(p[5 + pointerCount]);
            var offsets = new long[synsetCount];
            for (int i = 0; i < synsetCount; i++) offsets[i] = long.Parse(p[6 + pointerCount + i]);
            result[p[0]] = new IndexEntry(p[0], offsets, tagged);
        }
        return result;
    }

    /// <summary>The index entry of a noun lemma (lower case, spaces or underscores), or null.</summary>
    public IndexEntry? Noun(string lemma) =>
        _nouns.TryGetValue(lemma.Replace(' ', '_').ToLowerInvariant(), out var e) ? e : null;

    /// <summary>Tagged-sense count (SemCor frequency) of a lemma as verb, adjective, adverb; 0 when absent.</summary>
    public (int Verb, int Adjective, int Adverb) OtherPosTagCounts(string lemma)
    {
        var key = lemma.Replace(' ', '_').ToLowerInvariant();
        return (_otherPosTagCounts[0].GetValueOrDefault(key), _otherPosTagCounts[1].GetValueOrDefault(key),
            _otherPosTagCounts[2].GetValueOrDefault(key));
    }

    /// <summary>Resolves an NLTK synset name ("dog.n.01") to its data.noun offset; null when WordNet lacks it.</summary>
    public long? Resolve(string synsetName)
    {
        var parts = synsetName.Split('.');
        if (parts.Length < 3 || parts[^2] != "n" || !int.TryParse(parts[^1], out int sense)) return null;
        var lemma = string.Join('.', parts[..^2]);
        var entry = Noun(lemma);
        if (entry is null || sense < 1 || sense > entry.Offsets.Length) return null;
        return entry.Offsets[sense - 1];
    }

    /// <summary>The synset at a data.noun offset: lemmas (underscores kept, adjective markers stripped) and
    /// hypernym offsets (@ and @i pointers).</summary>
    public Synset GetSynset(long offset)
    {
        if (_synsets.TryGetValue(offset, out var cached)) return cached;
        int start = checked((int)offset);
        int end = Array.IndexOf(_dataNoun, (byte)'\n', start);
        var line = Encoding.Latin1.GetString(_dataNoun, start, (end < 0 ? _dataNoun.Length : end) - start);
        int bar = line.IndexOf(" | ", StringComparison.Ordinal);
        var p = (bar >= 0 ? line[..bar] : line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (long.Parse(p[0]) != offset) throw new InvalidDataException($"data.noun: no synset at offset {offset}.");
        int wordCount = Convert.ToInt32(p[3], 16);
        var lemmas = new List<string>(wordCount);
        for (int i = 0; i < wordCount; i++)
        {
            var w = p[4 + 2 * i];
            int paren = w.IndexOf('(');
            lemmas.Add(paren > 0 ? w[..paren] : w);
        }
        int k = 4 + 2 * wordCount;
        int pointerCount = int.Parse(p[k++]);
        var hypernyms = new List<long>();
        for (int i = 0; i < pointerCount; i++, k += 4)
        {
            if ((p[k] == "@" || p[k] == "@i") && p[k + 2] == "n") hypernyms.Add(long.Parse(p[k + 1]));
        }
        var s = new Synset(offset, lemmas, hypernyms);
        _synsets[offset] = s;
        return s;
    }

    /// <summary>True when <paramref name="offset"/> equals <paramref name="ancestor"/> or reaches it through hypernyms.</summary>
    public bool IsSelfOrHyponymOf(long offset, long ancestor)
    {
        var seen = new HashSet<long>();
        var stack = new Stack<long>();
        stack.Push(offset);
        while (stack.Count > 0)
        {
            var o = stack.Pop();
            if (o == ancestor) return true;
            if (!seen.Add(o)) continue;
            foreach (var h in GetSynset(o).Hypernyms) stack.Push(h);
        }
        return false;
    }
}
