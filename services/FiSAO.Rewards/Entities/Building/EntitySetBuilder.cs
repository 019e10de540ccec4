using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FiSAO.Rewards.Entities.Building;

/// <summary>Where the builder reads its inputs.</summary>
/// <param name="LvisCategoriesPath"><c>lvis_v1_categories.json</c> (1,203 LVIS v1 categories, Detic's vocabulary).</param>
/// <param name="ChairSynonymsPath"><c>chair_synonyms.txt</c> (80 COCO classes + the forms CHAIR maps to them).</param>
/// <param name="WordNetDirectory">WordNet 3.0 database directory (Debian: <c>/usr/share/wordnet</c>).</param>
public sealed record EntitySetBuilderInputs(string LvisCategoriesPath, string ChairSynonymsPath, string WordNetDirectory)
{
    /// <summary>Inputs under a data directory holding the two reference files.</summary>
    public static EntitySetBuilderInputs FromDirectories(string dataDirectory, string wordNetDirectory) => new(
        Path.Combine(dataDirectory, "lvis_v1_categories.json"), Path.Combine(dataDirectory, "chair_synonyms.txt"), wordNetDirectory);
}

/// <summary>One row of the generated table.</summary>
/// <param name="Surface">Normalised surface form (lower case words joined by single spaces).</param>
/// <param name="Canonical">Canonical entity id, or null for a blocker phrase (a phrase that is not an object
/// mention and hides the shorter forms inside it, e.g. "train track").</param>
/// <param name="Sources">Comma-separated claims of the winning entity: origin (coco, chair-rule, lvis, wordnet) with
/// ":plural"/":singular" for generated inflections.</param>
/// <param name="ContestedBy">Other entities that claimed this surface form and lost (comma-separated, may be empty).</param>
public sealed record BuiltRow(string Surface, string? Canonical, string Sources, string ContestedBy);

/// <summary>The builder's result: the rows (sorted ordinally by surface), the header and a report for humans.</summary>
public sealed class EntitySetBuildResult
{
    public required IReadOnlyList<BuiltRow> Rows { get; init; }
    public required IReadOnlyList<string> HeaderLines { get; init; }
    public required int EntityCount { get; init; }
    public required int SurfaceFormCount { get; init; }
    public required int MultiWordSurfaceFormCount { get; init; }
    public required int BlockerCount { get; init; }
    public required int BaseWordCount { get; init; }
    public required IReadOnlyList<string> Report { get; init; }

    /// <summary>The table as written to disk: header comments, column line, rows; LF line ends, UTF-8 without BOM.</summary>
    public string ToTsv()
    {
        var sb = new StringBuilder();
        foreach (var h in HeaderLines) sb.Append(h).Append('\n');
        foreach (var r in Rows)
        {
            sb.Append(r.Surface).Append('\t').Append(r.Canonical ?? EntitySet.BlockerMarker).Append('\t')
              .Append(r.Sources).Append('\t').Append(r.ContestedBy).Append('\n');
        }
        return sb.ToString();
    }

    public void WriteTsv(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToTsv(), new UTF8Encoding(false));
    }
}

/// <summary>
/// Builds FiSAO's entity set C (paper A.1.1) from LVIS v1 + COCO (CHAIR's synonym list) + WordNet 3.0.
/// Deterministic: the same input files give byte-identical output (no clock, no locale, ordinal sorting).
/// The rules are documented in <c>services/FiSAO.Rewards/Entities/README.md</c>; in short:
/// <list type="number">
/// <item>Base words: the 80 COCO classes and the 1,203 LVIS categories.</item>
/// <item>An LVIS category is merged into a COCO class when one of its names/synonyms/WordNet lemmas is the class
/// name (rule 1: "necktie" has the synonym "tie"), or when one of its names/synonyms is a CHAIR form of the class
/// and its WordNet synset is (a hyponym of) the synset of a rule-1 category of that class (rule 2: "lamb (animal)"
/// -> sheep, but not "bow (weapon)" -> tie). With no rule-1 anchor, a CHAIR-form name or synonym alone merges.</item>
/// <item>Surface forms of an entity: its CHAIR forms (COCO), LVIS name and synonyms (qualifier dropped), WordNet
/// lemmas of its synset whose most frequent noun sense is that synset, the plurals of all of these, and singulars
/// that WordNet lists with the same synset; CHAIR's qualifier phrases ("baby dog", "passenger train", "toilet
/// seat", blocker "train track").</item>
/// <item>Forms in <see cref="AmbiguousForms"/> are dropped unless CHAIR itself maps them.</item>
/// <item>A form claimed by several entities goes to the best claim by (origin group: CHAIR &lt; LVIS &lt; WordNet;
/// direct before generated inflection; LVIS name before LVIS synonym; LVIS frequency f &lt; c &lt; r; LVIS id).</item>
/// </list>
/// </summary>
public static class EntitySetBuilder
{
    /// <summary>The table format version written in the header.</summary>
    public const string FormatVersion = "fisao-entity-set/1";

    /// <summary>Forms dropped because they are, in running captions, mostly not object mentions (function words,
    /// verbs, adjectives, colours, or nouns whose everyday sense is not the LVIS object). CHAIR's own forms are never
    /// dropped (so CHAIR numbers stay comparable); plurals of a dropped form are dropped too.</summary>
    public static readonly IReadOnlyList<string> AmbiguousForms =
    [
        // function words, modals and auxiliaries that LVIS/WordNet names collide with
        "can", "will", "may", "might", "must", "one", "ones", "it", "us", "be",
        // predominantly verbs or adjectives in captions
        "watch", "press", "stay", "stays", "pry", "elastic", "shades", "tails", "fan", "fans", "cover", "covers",
        "control", "controls", "flap", "flash", "cast", "pop", "pad", "tag", "chap", "bob",
        "pet", "spread", "clip", "stand", "display", "set", "top", "back", "bank", "light",
        "lighter", "comfort", "honor", "honour", "laurels", "staff", "wireless", "rapper", "sinker",
        "colour", "color", "crisp", "plug", "shake", "mint", "tank", "iron", "date", "file", "record", "disk",
        "disc", "bolt", "hold", "rig", "sack", "grip", "brace", "tip", "patch", "overall", "chilly", "cordial",
        "roll", "register", "lounge", "reel", "coach", "range", "warmer", "cleaner", "aerial", "arctic",
        // nouns whose everyday sense in captions is a material, a body part or a person, not the LVIS object
        "horn", "paper", "rubber", "runner", "spray", "fin", "chocolate",
        // senses that are mostly not the object meant
        "heart", "ticker", "murphy", "tater", "john barleycorn", "gallus",
        "hoy", "mortal", "soul", "trump", "buck", "clam", "sucker", "butt", "fag", "roach",
    ];

    private static readonly string[] AnimalWords = ["bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"];

    private enum Origin { Coco = 0, ChairRule = 1, Lvis = 2, WordNet = 3 }

    private enum Inflection { None = 0, Plural = 1, Singular = 2 }

    /// <summary>An entity before ids are assigned: a COCO class or an unmerged LVIS category.</summary>
    private sealed class Node
    {
        public required string Key { get; init; }       // stable sort key: "0coco:<index>" / "1lvis:<id>"
        public CocoClass? Coco { get; init; }
        public LvisCategory? Lvis { get; init; }
        public string Humanised { get; init; } = "";
        public string? Qualifier { get; init; }
        public string? Id { get; set; }
    }

    private sealed record Claim(string Surface, Node? Entity, Origin Origin, Inflection Inflection, int Tier, int FrequencyRank, int LvisId)
    {
        public int Group => Origin switch { Origin.Coco or Origin.ChairRule => 0, Origin.Lvis => 1, _ => 2 };
    }

    public static EntitySetBuildResult Build(EntitySetBuilderInputs inputs)
    {
        var coco = CocoClass.ReadAll(inputs.ChairSynonymsPath);
        var lvis = LvisCategory.ReadAll(inputs.LvisCategoriesPath);
        var wn = WordNetDatabase.Load(inputs.WordNetDirectory);
        var inflector = new EnglishInflector(InvertExceptions(wn.NounExceptions));
        var report = new List<string>();

        // ---- LVIS categories: names, synonyms, WordNet lemmas ------------------------------------------------
        var cats = new List<CatInfo>();
        int droppedLemmas = 0;
        foreach (var c in lvis)
        {
            var names = LvisCategory.SplitNames(c.Name).Select(LvisCategory.ParseName).ToList();
            var (primary, qualifier) = names[0];
            var nameKeys = names.Select(n => n.Base).Where(k => k.Length > 0).Distinct().ToList();
            var synKeys = c.Synonyms.SelectMany(LvisCategory.SplitNames).Select(s => LvisCategory.ParseName(s).Base)
                .Where(k => k.Length > 0 && !nameKeys.Contains(k)).Distinct().ToList();
            long? offset = wn.Resolve(c.Synset);
            var wnKeys = new List<string>();
            var properKeys = new HashSet<string>(StringComparer.Ordinal);
            if (offset is null)
            {
                report.Add($"wordnet: synset {c.Synset} of '{c.Name}' is not in WordNet 3.0; no WordNet synonyms.");
            }
            else
            {
                foreach (var lemma in wn.GetSynset(offset.Value).Lemmas)
                {
                    var key = SurfaceText.NormalizeKey(lemma);
                    if (key.Length == 0 || nameKeys.Contains(key) || synKeys.Contains(key) || wnKeys.Contains(key)) continue;
                    var entry = wn.Noun(lemma);
                    if (entry is not null && entry.Offsets[0] == offset.Value)
                    {
                        wnKeys.Add(key);
                        if (char.IsUpper(lemma[0])) properKeys.Add(key); // proper or taxonomic name: no plural
                    }
                    else droppedLemmas++;
                }
            }
            cats.Add(new CatInfo(c, primary, qualifier, nameKeys, synKeys, wnKeys, properKeys, offset));
        }
        report.Add($"wordnet: {droppedLemmas} lemmas dropped because the category's synset is not their most frequent noun sense.");

        // ---- merge LVIS categories into COCO classes --------------------------------------------------------
        var mergedInto = new Dictionary<int, CocoClass>();
        var anchors = coco.ToDictionary(k => k.Index, _ => new List<long>());
        foreach (var cat in cats)
        {
            foreach (var k in coco)
            {
                if (cat.NameKeys.Contains(k.Name) || cat.SynKeys.Contains(k.Name) || cat.WnKeys.Contains(k.Name))
                {
                    mergedInto[cat.Category.Id] = k;
                    if (cat.Offset is long o) anchors[k.Index].Add(o);
                    report.Add($"merge rule 1: {cat.Category.Name} -> {k.Name}");
                    break;
                }
            }
        }
        foreach (var cat in cats)
        {
            if (mergedInto.ContainsKey(cat.Category.Id)) continue;
            foreach (var k in coco)
            {
                var forms = k.Forms;
                bool curated = cat.NameKeys.Concat(cat.SynKeys).Any(forms.Contains);
                bool viaWordNet = cat.WnKeys.Any(forms.Contains);
                if (!curated && !viaWordNet) continue;
                var a = anchors[k.Index];
                bool kindOf = cat.Offset is long o && a.Any(anchor => wn.IsSelfOrHyponymOf(o, anchor));
                // Curated name/synonym without a qualifier: LVIS means the same word CHAIR maps -> merge.
                // A qualified name (bow_(weapon)) or a WordNet-only match must also be a kind of the class in WordNet.
                bool ok = (curated && cat.Qualifier is null) || kindOf;
                if (ok)
                {
                    mergedInto[cat.Category.Id] = k;
                    report.Add($"merge rule 2: {cat.Category.Name} -> {k.Name} ({(kindOf ? "WordNet kind of the class" : "unqualified LVIS name/synonym is a CHAIR form")})");
                    break;
                }
                report.Add($"not merged: {cat.Category.Name} shares a {(curated ? "" : "WordNet-only ")}CHAIR form of '{k.Name}' but is not a kind of it in WordNet");
            }
        }

        // ---- entities and claims ----------------------------------------------------------------------------
        var cocoNodes = coco.ToDictionary(k => k.Index, k => new Node { Key = $"0coco:{k.Index:D3}", Coco = k, Humanised = k.Name, Id = k.Name });
        var claims = new List<Claim>();
        var ambiguous = new HashSet<string>(AmbiguousForms.Select(SurfaceText.NormalizeKey), StringComparer.Ordinal);

        void AddWithInflections(string key, Node node, Origin origin, int tier, int freq, int lvisId, long? synset, bool inflect = true)
        {
            claims.Add(new Claim(key, node, origin, Inflection.None, tier, freq, lvisId));
            if (!inflect) return;
            foreach (var p in inflector.Plurals(key)) claims.Add(new Claim(p, node, origin, Inflection.Plural, tier, freq, lvisId));
            foreach (var s in inflector.SingularCandidates(key))
            {
                var entry = wn.Noun(s);
                bool accept = entry is not null && (synset is null ? origin == Origin.Coco : entry.Offsets.Contains(synset.Value));
                if (accept) claims.Add(new Claim(s, node, origin, Inflection.Singular, tier, freq, lvisId));
            }
        }

        foreach (var k in coco)
            foreach (var f in k.Forms)
                AddWithInflections(f, cocoNodes[k.Index], Origin.Coco, 0, 0, 0, null);

        var lvisNodes = new Dictionary<int, Node>();
        foreach (var cat in cats)
        {
            var c = cat.Category;
            Node node;
            if (mergedInto.TryGetValue(c.Id, out var k)) node = cocoNodes[k.Index];
            else lvisNodes[c.Id] = node = new Node { Key = $"1lvis:{c.Id:D5}", Lvis = c, Humanised = cat.Primary, Qualifier = cat.Qualifier };
            foreach (var n in cat.NameKeys) AddWithInflections(n, node, Origin.Lvis, 1, c.FrequencyRank, c.Id, cat.Offset);
            foreach (var s in cat.SynKeys) AddWithInflections(s, node, Origin.Lvis, 2, c.FrequencyRank, c.Id, cat.Offset);
            foreach (var w in cat.WnKeys)
                AddWithInflections(w, node, Origin.WordNet, 3, c.FrequencyRank, c.Id, cat.Offset, inflect: !cat.ProperWnKeys.Contains(w));
        }

        // CHAIR's qualifier phrases (reference evaluator's double words).
        Node CocoNode(string name) => cocoNodes[coco.Single(k => k.Name == name).Index];
        void Rule(string phrase, Node? target)
        {
            claims.Add(new Claim(phrase, target, Origin.ChairRule, Inflection.None, 0, 0, 0));
            foreach (var p in inflector.Plurals(phrase)) claims.Add(new Claim(p, target, Origin.ChairRule, Inflection.Plural, 0, 0, 0));
        }
        foreach (var animal in AnimalWords)
        {
            Rule($"baby {animal}", CocoNode(animal));
            Rule($"adult {animal}", CocoNode(animal));
        }
        Rule("passenger jet", CocoNode("airplane"));
        Rule("passenger train", CocoNode("train"));
        Rule("bow tie", CocoNode("tie"));
        Rule("toilet seat", CocoNode("toilet"));
        Rule("train track", null);
        Rule("baby animal", null);
        Rule("adult animal", null);
        // "baby cub"/"adult cub": whatever "cub" resolves to (resolved below).
        var cubAliases = new[] { "baby cub", "adult cub" }.SelectMany(p => inflector.Plurals(p).Prepend(p)).ToList();

        // ---- drop ambiguous forms, resolve contested forms ------------------------------------------------------
        int droppedAmbiguous = 0;
        var bySurface = new SortedDictionary<string, List<Claim>>(StringComparer.Ordinal);
        var droppedForms = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var claim in claims)
        {
            if (claim.Surface.Length < 2 || claim.Surface.All(char.IsDigit)) continue;
            bool chair = claim.Origin is Origin.Coco or Origin.ChairRule;
            if (!chair && (ambiguous.Contains(claim.Surface) || (claim.Inflection == Inflection.Plural && IsPluralOfAmbiguous(claim.Surface, ambiguous, inflector))))
            {
                droppedAmbiguous++;
                droppedForms.Add(claim.Surface);
                continue;
            }
            if (!bySurface.TryGetValue(claim.Surface, out var list)) bySurface[claim.Surface] = list = [];
            list.Add(claim);
        }
        report.Add($"ambiguity stoplist: dropped {droppedForms.Count} forms ({droppedAmbiguous} claims): {string.Join(", ", droppedForms)}");

        var winners = new SortedDictionary<string, (Claim Win, List<Claim> Same, List<Node> Losers)>(StringComparer.Ordinal);
        foreach (var (surface, list) in bySurface)
        {
            var ordered = list.OrderBy(c => c.Group).ThenBy(c => c.Inflection == Inflection.None ? 0 : 1).ThenBy(c => c.Tier)
                .ThenBy(c => c.FrequencyRank).ThenBy(c => c.LvisId).ThenBy(c => c.Entity?.Key ?? "", StringComparer.Ordinal).ToList();
            var win = ordered[0];
            var same = ordered.Where(c => ReferenceEquals(c.Entity, win.Entity)).ToList();
            var losers = ordered.Select(c => c.Entity).Where(e => e is not null && !ReferenceEquals(e, win.Entity))
                .Distinct().Cast<Node>().OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            winners[surface] = (win, same, losers);
        }
        if (winners.TryGetValue("cub", out var cub))
        {
            foreach (var alias in cubAliases)
                winners[alias] = (new Claim(alias, cub.Win.Entity, Origin.ChairRule, Inflection.None, 0, 0, 0), [new Claim(alias, cub.Win.Entity, Origin.ChairRule, Inflection.None, 0, 0, 0)], []);
        }

        // ---- canonical ids for LVIS entities --------------------------------------------------------------------
        var alive = new HashSet<Node>(winners.Values.Select(w => w.Win.Entity).Where(e => e is not null)!);
        var usedIds = new HashSet<string>(cocoNodes.Values.Select(n => n.Id!), StringComparer.Ordinal);
        foreach (var node in lvisNodes.Values.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (!alive.Contains(node)) continue;
            bool ownsBareName = winners.TryGetValue(node.Humanised, out var w) && ReferenceEquals(w.Win.Entity, node);
            string id = ownsBareName ? node.Humanised
                : node.Qualifier is not null ? $"{node.Humanised} ({node.Qualifier})"
                : $"{node.Humanised} ({node.Lvis!.Synset})";
            if (!usedIds.Add(id))
            {
                id = $"{node.Humanised} (lvis {node.Lvis!.Id})";
                usedIds.Add(id);
            }
            node.Id = id;
        }
        foreach (var node in lvisNodes.Values.Where(n => !alive.Contains(n)).OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var forms = bySurface.Where(kv => kv.Value.Any(c => ReferenceEquals(c.Entity, node))).Select(kv => $"{kv.Key} -> {winners[kv.Key].Win.Entity?.Id ?? "-"}");
            report.Add($"absorbed: LVIS '{node.Lvis!.Name}' owns no surface form ({string.Join("; ", forms)})");
        }

        // ---- rows ---------------------------------------------------------------------------------------------
        var rows = new List<BuiltRow>(winners.Count);
        foreach (var (surface, (win, same, losers)) in winners)
        {
            var sources = same.Select(c => (c.Origin, c.Inflection)).Distinct().OrderBy(t => t.Origin).ThenBy(t => t.Inflection)
                .Select(t => OriginName(t.Origin) + (t.Inflection == Inflection.None ? "" : ":" + t.Inflection.ToString().ToLowerInvariant()));
            rows.Add(new BuiltRow(surface, win.Entity?.Id, string.Join(',', sources), string.Join(',', losers.Select(l => l.Id ?? $"lvis:{l.Lvis!.Name}"))));
        }
        // Diagnostic only (does not change the table): single-word non-CHAIR forms that WordNet's SemCor counts
        // tag more often as verb/adjective/adverb than as noun: candidates for AmbiguousForms.
        foreach (var r in rows.Where(r => r.Canonical is not null && !r.Surface.Contains(' ') && !r.Sources.Contains("coco")))
        {
            var noun = wn.Noun(r.Surface)?.TaggedSenseCount ?? 0;
            var (v, a, adv) = wn.OtherPosTagCounts(r.Surface);
            if (v + a + adv > noun) report.Add($"pos-check: '{r.Surface}' -> {r.Canonical}: noun {noun}, verb {v}, adj {a}, adv {adv}");
        }
        foreach (var r in rows.Where(r => r.ContestedBy.Length > 0))
            report.Add($"contested: '{r.Surface}' -> {r.Canonical ?? "-"} (also claimed by {r.ContestedBy})");

        int entityCount = rows.Where(r => r.Canonical is not null).Select(r => r.Canonical).Distinct().Count();
        int surfaceCount = rows.Count(r => r.Canonical is not null);
        int multiWord = rows.Count(r => r.Canonical is not null && r.Surface.Contains(' '));
        int blockers = rows.Count(r => r.Canonical is null);
        int baseWords = coco.Count + lvis.Count - mergedInto.Count;
        string contentHash = EntitySet.ComputeContentHash(rows.Select(r => (r.Surface, r.Canonical)));

        var header = new List<string>
        {
            $"# {FormatVersion}: FiSAO entity set C (paper A.1.1). Generated by services/FiSAO.EntitySetBuilder; do not edit by hand.",
            "# Rules: services/FiSAO.Rewards/Entities/README.md. Canonical '-' marks a blocker phrase (not an object; hides the forms inside it).",
            $"# input lvis_v1_categories.json sha256={Sha256File(inputs.LvisCategoriesPath)} categories={lvis.Count}",
            $"# input chair_synonyms.txt sha256={Sha256File(inputs.ChairSynonymsPath)} classes={coco.Count} forms={coco.Sum(k => k.Forms.Count)}",
        };
        foreach (var f in wn.Files)
            header.Add($"# input wordnet/{Path.GetFileName(f)} sha256={Sha256File(f)}");
        header.Add(string.Create(CultureInfo.InvariantCulture,
            $"# counts base_words={baseWords} lvis_merged_into_coco={mergedInto.Count} entities={entityCount} surface_forms={surfaceCount} multi_word_forms={multiWord} blockers={blockers}"));
        header.Add($"# content_sha256={contentHash}");
        header.Add("# surface\tcanonical\tsources\tcontested_by");

        return new EntitySetBuildResult
        {
            Rows = rows, HeaderLines = header, EntityCount = entityCount, SurfaceFormCount = surfaceCount,
            MultiWordSurfaceFormCount = multiWord, BlockerCount = blockers, BaseWordCount = baseWords, Report = report,
        };
    }

    private sealed record CatInfo(LvisCategory Category, string Primary, string? Qualifier, List<string> NameKeys,
        List<string> SynKeys, List<string> WnKeys, HashSet<string> ProperWnKeys, long? Offset);

    private static bool IsPluralOfAmbiguous(string surface, HashSet<string> ambiguous, EnglishInflector inflector) =>
        inflector.SingularCandidates(surface).Any(ambiguous.Contains);

    private static string OriginName(Origin o) => o switch
    {
        Origin.Coco => "coco", Origin.ChairRule => "chair-rule", Origin.Lvis => "lvis", _ => "wordnet",
    };

    private static IEnumerable<KeyValuePair<string, string[]>> InvertExceptions(IReadOnlyDictionary<string, string[]> exc)
    {
        var map = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (inflected, bases) in exc.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var b in bases)
            {
                if (b == inflected) continue;
                if (!map.TryGetValue(b, out var list)) map[b] = list = [];
                if (!list.Contains(inflected)) list.Add(inflected);
            }
        }
        return map.Select(p => new KeyValuePair<string, string[]>(p.Key, p.Value.ToArray()));
    }

    private static string Sha256File(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
