using System.Collections.Frozen;

namespace FiSAO.Rewards.Entities;

/// <summary>
/// A small, deterministic English noun inflector for entity names (the role the paper gives Python's
/// <c>inflect</c>). It works on normalised keys (<see cref="SurfaceText.NormalizeKey"/>) and inflects the head
/// word of a phrase: the word before the first " of " ("pair of scissors" -> "pairs of scissors"), otherwise the
/// last word ("traffic light" -> "traffic lights").
/// <para>Rules, in order: uncountable or already-plural head -> no new form; irregular table (built in, plus
/// WordNet's <c>noun.exc</c> when the builder supplies it) -> its plurals, plus the regular plural when one of them
/// merely adds an "-s" ending to the word ("bus" -> "busses" + "buses"); "-man" -> "-men" (except human, ottoman, doberman, ...);
/// sibilant (s, x, z, ch, sh) -> "+es"; consonant + y -> "ies"; otherwise "+s".</para>
/// <para>A head word is taken as already plural when it is a known irregular plural or ends in "s" but not in
/// "ss", "us" or "is" and is not one of the singular "-s" nouns listed in <see cref="SingularEndingInS"/>.</para>
/// </summary>
public sealed class EnglishInflector
{
    /// <summary>Built-in irregular plurals (base -> plurals). WordNet's noun.exc extends this in the builder.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> BuiltInIrregulars = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["person"] = ["people"], ["man"] = ["men"], ["woman"] = ["women"], ["child"] = ["children"],
        ["mouse"] = ["mice"], ["louse"] = ["lice"], ["goose"] = ["geese"], ["foot"] = ["feet"],
        ["tooth"] = ["teeth"], ["ox"] = ["oxen"], ["die"] = ["dice"], ["knife"] = ["knives"],
        ["wife"] = ["wives"], ["life"] = ["lives"], ["leaf"] = ["leaves"], ["loaf"] = ["loaves"],
        ["half"] = ["halves"], ["calf"] = ["calves"], ["wolf"] = ["wolves"], ["shelf"] = ["shelves"],
        ["thief"] = ["thieves"], ["scarf"] = ["scarves", "scarfs"], ["hoof"] = ["hooves", "hoofs"], ["elf"] = ["elves"],
        ["potato"] = ["potatoes"], ["tomato"] = ["tomatoes"], ["hero"] = ["heroes"], ["mango"] = ["mangoes", "mangos"],
        ["mosquito"] = ["mosquitoes"], ["buffalo"] = ["buffaloes", "buffalo"], ["flamingo"] = ["flamingos", "flamingoes"],
        ["cactus"] = ["cacti", "cactuses"], ["fungus"] = ["fungi"], ["octopus"] = ["octopuses", "octopi"],
        ["hippopotamus"] = ["hippopotamuses", "hippopotami"], ["platypus"] = ["platypuses"],
    };

    /// <summary>Nouns that are not pluralised (same form, or mass nouns whose "-s" form would be noise).</summary>
    public static readonly FrozenSet<string> Uncountable = new[]
    {
        "sheep", "deer", "fish", "moose", "bison", "salmon", "trout", "shrimp", "aircraft", "spacecraft", "watercraft",
        "hovercraft", "offspring", "swine", "series", "species", "cattle", "luggage", "baggage", "equipment", "furniture",
        "clothing", "underwear", "sportswear", "footwear", "jewelry", "jewellery", "chinaware", "tableware", "cutlery",
        "silverware", "pottery", "garbage", "rubbish", "trash", "money", "rice", "information", "news", "broccoli",
        "asparagus", "hummus", "butter", "honey", "milk", "alcohol", "applesauce", "coleslaw", "cornmeal", "gelatin",
        "hair", "grass", "headgear", "gear", "livestock", "poultry", "wildlife", "people",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Singular nouns ending in a plain "s" (the "-ss", "-us", "-is" endings are singular by rule).</summary>
    public static readonly FrozenSet<string> SingularEndingInS = new[]
    {
        "lens", "canvas", "gas", "atlas", "iris", "rhinoceros", "thermos", "christmas", "alias", "chaos", "kudos",
        "hommos", "tapis", "pancreas", "bias", "bus", "yes",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> ManNotMen = new[]
    {
        "human", "german", "roman", "ottoman", "talisman", "shaman", "caiman", "cayman", "doberman", "walkman",
        "dolman",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Dictionary<string, string[]> _plurals;
    private readonly Dictionary<string, List<string>> _singulars;

    /// <summary>An inflector with the built-in irregulars only (used when loading plain entity lists).</summary>
    public static EnglishInflector Basic { get; } = new(null);

    /// <param name="extraIrregularPlurals">More irregular plurals (base -> plurals), e.g. WordNet's noun.exc; merged
    /// with <see cref="BuiltInIrregulars"/>.</param>
    public EnglishInflector(IEnumerable<KeyValuePair<string, string[]>>? extraIrregularPlurals)
    {
        _plurals = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (k, v) in BuiltInIrregulars) _plurals[k] = v;
        if (extraIrregularPlurals is not null)
        {
            foreach (var (k, v) in extraIrregularPlurals)
            {
                _plurals[k] = _plurals.TryGetValue(k, out var old)
                    ? old.Concat(v).Distinct(StringComparer.Ordinal).ToArray()
                    : v.Distinct(StringComparer.Ordinal).ToArray();
            }
        }
        _singulars = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (b, ps) in _plurals.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var p in ps)
            {
                if (p == b) continue;
                if (!_singulars.TryGetValue(p, out var list)) _singulars[p] = list = [];
                if (!list.Contains(b)) list.Add(b);
            }
        }
    }

    /// <summary>Plural forms of a normalised phrase (empty when its head word is uncountable or already plural).</summary>
    public IReadOnlyList<string> Plurals(string phrase)
    {
        var (prefix, head, suffix) = SplitHead(phrase);
        if (head.Length == 0) return [];
        var heads = PluralsOfWord(head);
        if (heads.Count == 0) return [];
        var result = new List<string>(heads.Count);
        foreach (var h in heads)
        {
            var p = prefix + h + suffix;
            if (p != phrase && !result.Contains(p)) result.Add(p);
        }
        return result;
    }

    /// <summary>Candidate singular forms of a phrase whose head word looks plural (callers validate them, e.g.
    /// against WordNet). Empty when the head does not look plural.</summary>
    public IReadOnlyList<string> SingularCandidates(string phrase)
    {
        var (prefix, head, suffix) = SplitHead(phrase);
        if (!LooksPlural(head)) return [];
        var result = new List<string>();
        void Add(string s)
        {
            if (s.Length == 0) return;
            var p = prefix + s + suffix;
            if (p != phrase && !result.Contains(p)) result.Add(p);
        }
        if (_singulars.TryGetValue(head, out var irr)) foreach (var s in irr) Add(s);
        if (head.EndsWith("ies", StringComparison.Ordinal) && head.Length > 4) Add(head[..^3] + "y");
        if (head.EndsWith("men", StringComparison.Ordinal)) Add(head[..^3] + "man");
        if (head.EndsWith("es", StringComparison.Ordinal) && EndsWithSibilant(head[..^2])) Add(head[..^2]);
        if (head.EndsWith('s') && !head.EndsWith("ss", StringComparison.Ordinal)) Add(head[..^1]);
        return result;
    }

    /// <summary>True when the word reads as a plural noun (see the class remarks).</summary>
    public bool LooksPlural(string word)
    {
        if (word.Length < 3) return false;
        if (_singulars.ContainsKey(word) && !_plurals.ContainsKey(word)) return true;
        if (!word.EndsWith('s')) return false;
        if (word.EndsWith("ss", StringComparison.Ordinal) || word.EndsWith("us", StringComparison.Ordinal)
            || word.EndsWith("is", StringComparison.Ordinal)) return false;
        return !SingularEndingInS.Contains(word);
    }

    private IReadOnlyList<string> PluralsOfWord(string w)
    {
        if (Uncountable.Contains(w)) return [];
        if (_plurals.TryGetValue(w, out var irregular))
        {
            var list = irregular.Where(p => p != w).ToList();
            // A spelling variant that only adds an "-s" ending (busses, potatoes, fishes) leaves the regular plural
            // valid too; a stem change (mice, children, oxen) does not.
            if (irregular.Any(p => p != w && p.StartsWith(w, StringComparison.Ordinal) && p.EndsWith('s')))
            {
                var reg = Regular(w);
                if (!list.Contains(reg)) list.Add(reg);
            }
            return list;
        }
        if (LooksPlural(w)) return [];
        if (w.Length > 3 && w.EndsWith("man", StringComparison.Ordinal) && !ManNotMen.Contains(w)) return [w[..^3] + "men"];
        return [Regular(w)];
    }

    /// <summary>The regular plural of a single word.</summary>
    public static string Regular(string w)
    {
        if (EndsWithSibilant(w)) return w + "es";
        if (w.Length > 1 && w[^1] == 'y' && !IsVowel(w[^2])) return w[..^1] + "ies";
        return w + "s";
    }

    private static bool EndsWithSibilant(string w) =>
        w.EndsWith('s') || w.EndsWith('x') || w.EndsWith('z') || w.EndsWith("ch", StringComparison.Ordinal) || w.EndsWith("sh", StringComparison.Ordinal);

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';

    private static (string Prefix, string Head, string Suffix) SplitHead(string phrase)
    {
        int of = phrase.IndexOf(" of ", StringComparison.Ordinal);
        if (of > 0)
        {
            int start = phrase.LastIndexOf(' ', of - 1) + 1;
            return (phrase[..start], phrase[start..of], phrase[of..]);
        }
        int sp = phrase.LastIndexOf(' ');
        return sp < 0 ? ("", phrase, "") : (phrase[..(sp + 1)], phrase[(sp + 1)..], "");
    }
}
