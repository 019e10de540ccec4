using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using FiSAO.Rewards.Alignment;

namespace FiSAO.Rewards.Entities;

/// <summary>One surface form of the entity set.</summary>
/// <param name="Surface">Normalised surface form (<see cref="SurfaceText.NormalizeKey"/>): "traffic lights".</param>
/// <param name="Canonical">Canonical entity id ("traffic light"), or null for a blocker phrase: a phrase that is
/// not an object mention and hides the shorter forms inside it ("train track" hides "train").</param>
/// <param name="Sources">Where the form comes from (comma-separated origins such as <c>coco</c>, <c>chair-rule</c>,
/// <c>lvis</c>, <c>wordnet</c>, <c>list</c>, with <c>:plural</c>/<c>:singular</c> for generated inflections); empty
/// when the table does not say.</param>
public sealed record EntitySetEntry(string Surface, string? Canonical, string Sources)
{
    /// <summary>Number of words of the surface form.</summary>
    public int WordCount { get; } = SurfaceText.WordCount(Surface);

    /// <summary>True for a blocker phrase (no entity).</summary>
    public bool IsBlocker => Canonical is null;

    /// <summary>True when CHAIR's reference evaluator maps this form (origin <c>coco</c> or <c>chair-rule</c>).</summary>
    public bool IsChairForm => HasOrigin("coco") || HasOrigin("chair-rule");

    /// <summary>True when one of the comma-separated sources has this origin (with or without an inflection tag).</summary>
    public bool HasOrigin(string origin)
    {
        foreach (var part in Sources.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.IndexOf(':');
            if ((colon < 0 ? part : part[..colon]).Equals(origin, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}

/// <summary>Sizes of an entity set.</summary>
/// <param name="Entities">Distinct canonical entities.</param>
/// <param name="SurfaceForms">Surface forms that map to an entity (blockers excluded).</param>
/// <param name="MultiWordSurfaceForms">Of those, forms with two or more words.</param>
/// <param name="Blockers">Blocker phrases.</param>
public sealed record EntitySetCounts(int Entities, int SurfaceForms, int MultiWordSurfaceForms, int Blockers);

/// <summary>Options for <see cref="EntitySet.Load(string, EntitySetLoadOptions?)"/>.</summary>
public sealed record EntitySetLoadOptions
{
    /// <summary>For one-column lines of a plain entity list, also add the entity's plural forms (built-in
    /// inflector, no WordNet). Default true. Rows with an explicit surface form are never inflected.</summary>
    public bool AddPluralsToPlainEntries { get; init; } = true;

    /// <summary>When the file carries a <c># content_sha256=</c> header (the generated table does), check it against
    /// the rows read and refuse a table that was edited by hand. Default true.</summary>
    public bool VerifyContentHash { get; init; } = true;
}

/// <summary>
/// The entity set C: every surface form maps to ONE canonical entity (paper A.1.1; built by
/// <c>services/FiSAO.EntitySetBuilder</c>). Immutable and thread-safe. <see cref="Default"/> is the table committed in
/// <c>Data/entity-set.tsv</c> and embedded in this assembly; a deployment can load its own list with
/// <see cref="Load(string, EntitySetLoadOptions?)"/>: the generated TSV (<c>surface, canonical[, sources[, ...]]</c>),
/// or a plain file with one entity per line, optionally <c>surface&lt;TAB&gt;canonical</c>. Lines starting with
/// <c>#</c> are comments. <see cref="ContentHash"/> identifies the content (surface -> canonical mapping) whatever the
/// file layout; the verifier reports it and keys caches by it.
/// </summary>
public sealed class EntitySet
{
    /// <summary>Canonical column value that marks a blocker phrase.</summary>
    public const string BlockerMarker = "-";

    /// <summary>Manifest name of the embedded default table.</summary>
    public const string EmbeddedResourceName = "FiSAO.Rewards.Data.entity-set.tsv";

    private static readonly Lazy<EntitySet> DefaultSet = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, EntitySetEntry> _bySurface;
    private readonly FrozenDictionary<string, string> _canonicalByFoldedId;
    private readonly FrozenDictionary<string, string[]> _formsByCanonical;
    private readonly Lazy<EntityMatcher> _matcher;
    private readonly Lazy<EntitySet> _chairSubset;
    private readonly Lazy<FrozenDictionary<string, string?>> _cocoClassOf;

    /// <summary>All entries, sorted ordinally by surface form.</summary>
    public IReadOnlyList<EntitySetEntry> Entries { get; }

    /// <summary>Canonical entity ids, sorted ordinally.</summary>
    public IReadOnlyList<string> Entities { get; }

    /// <summary>Counts of entities, surface forms, multi-word forms, blockers.</summary>
    public EntitySetCounts Counts { get; }

    /// <summary>Lower-case hex SHA-256 of the content: UTF-8 lines <c>surface TAB canonical LF</c> (blocker: <c>-</c>)
    /// sorted ordinally by surface. Independent of comments, column order of extras, and line order in the file.</summary>
    public string ContentHash { get; }

    /// <summary>Where the set came from ("embedded:entity-set.tsv", a file path, or "memory").</summary>
    public string Source { get; }

    /// <summary>The file's <c>#</c> header lines (provenance: input hashes and counts for the generated table).</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Largest number of words in one surface form (the mention finder's look-ahead).</summary>
    public int MaxWordsPerForm { get; }

    /// <summary>Canonical ids of the COCO classes: entities that own at least one CHAIR form (origin <c>coco</c>).
    /// Empty for a plain list without sources.</summary>
    public IReadOnlySet<string> CocoClasses { get; }

    /// <summary>The committed, embedded table (built from LVIS v1 + COCO/CHAIR + WordNet 3.0).</summary>
    public static EntitySet Default => DefaultSet.Value;

    private EntitySet(IEnumerable<EntitySetEntry> entries, string source, IReadOnlyList<string> header)
    {
        var sorted = entries.OrderBy(e => e.Surface, StringComparer.Ordinal).ToList();
        Entries = sorted;
        _bySurface = sorted.ToFrozenDictionary(e => e.Surface, StringComparer.Ordinal);
        Entities = sorted.Where(e => e.Canonical is not null).Select(e => e.Canonical!).Distinct(StringComparer.Ordinal)
            .OrderBy(c => c, StringComparer.Ordinal).ToList();
        var folded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in Entities) folded.TryAdd(FoldId(c), c);
        _canonicalByFoldedId = folded.ToFrozenDictionary(StringComparer.Ordinal);
        _formsByCanonical = sorted.Where(e => e.Canonical is not null).GroupBy(e => e.Canonical!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(e => e.Surface).ToArray(), StringComparer.Ordinal);
        Counts = new EntitySetCounts(Entities.Count, sorted.Count(e => !e.IsBlocker),
            sorted.Count(e => !e.IsBlocker && e.WordCount > 1), sorted.Count(e => e.IsBlocker));
        ContentHash = ComputeContentHash(sorted.Select(e => (e.Surface, e.Canonical)));
        Source = source;
        Header = header;
        MaxWordsPerForm = sorted.Count == 0 ? 0 : sorted.Max(e => e.WordCount);
        CocoClasses = sorted.Where(e => e.Canonical is not null && e.HasOrigin("coco")).Select(e => e.Canonical!)
            .ToFrozenSet(StringComparer.Ordinal);
        _matcher = new Lazy<EntityMatcher>(() => new EntityMatcher(this), LazyThreadSafetyMode.ExecutionAndPublication);
        _chairSubset = new Lazy<EntitySet>(BuildChairSubset, LazyThreadSafetyMode.ExecutionAndPublication);
        _cocoClassOf = new Lazy<FrozenDictionary<string, string?>>(DeriveCocoClasses, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    internal EntityMatcher Matcher => _matcher.Value;

    /// <summary>Builds a set from entries (normalising surfaces). Conflicting duplicates throw.</summary>
    public static EntitySet FromEntries(IEnumerable<EntitySetEntry> entries, string source = "memory")
    {
        var map = new Dictionary<string, EntitySetEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var key = SurfaceText.NormalizeKey(e.Surface);
            if (key.Length == 0) continue;
            var entry = key == e.Surface ? e : e with { Surface = key };
            if (map.TryGetValue(key, out var old))
            {
                if (!string.Equals(old.Canonical, entry.Canonical, StringComparison.Ordinal))
                    throw new InvalidDataException($"Surface form '{key}' maps to both '{old.Canonical ?? BlockerMarker}' and '{entry.Canonical ?? BlockerMarker}'.");
                continue;
            }
            map[key] = entry;
        }
        return new EntitySet(map.Values, source, []);
    }

    /// <summary>Loads a table or plain list from a file (see the class remarks for the formats).</summary>
    public static EntitySet Load(string path, EntitySetLoadOptions? options = null)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, Path.GetFullPath(path), options);
    }

    /// <summary>Parses a table or plain list (see the class remarks for the formats).</summary>
    public static EntitySet Parse(TextReader reader, string source = "memory", EntitySetLoadOptions? options = null)
    {
        options ??= new EntitySetLoadOptions();
        var header = new List<string>();
        var explicitRows = new Dictionary<string, EntitySetEntry>(StringComparer.Ordinal);
        var generated = new List<EntitySetEntry>();
        string? declaredHash = null;
        int lineNo = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNo++;
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line)) continue;
            if (line.StartsWith('#'))
            {
                header.Add(line);
                const string marker = "content_sha256=";
                int at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0) declaredHash = line[(at + marker.Length)..].Trim();
                continue;
            }
            var cols = line.Split('\t');
            string surfaceText = cols[0];
            var surface = SurfaceText.NormalizeKey(surfaceText);
            if (surface.Length == 0) continue;
            if (cols.Length == 1)
            {
                // Plain list: one entity per line; the entity is its own canonical name.
                var canonical = surfaceText.Trim();
                AddExplicit(new EntitySetEntry(surface, canonical, "list"), lineNo);
                if (options.AddPluralsToPlainEntries)
                    foreach (var p in EnglishInflector.Basic.Plurals(surface))
                        generated.Add(new EntitySetEntry(p, canonical, "list:plural"));
            }
            else
            {
                var canonicalText = cols[1].Trim();
                string? canonical = canonicalText == BlockerMarker ? null : canonicalText.Length == 0 ? surfaceText.Trim() : canonicalText;
                var sources = cols.Length > 2 ? cols[2].Trim() : "";
                AddExplicit(new EntitySetEntry(surface, canonical, sources), lineNo);
            }
        }
        foreach (var g in generated) explicitRows.TryAdd(g.Surface, g); // explicit rows win over generated plurals
        var set = new EntitySet(explicitRows.Values, source, header);
        if (options.VerifyContentHash && declaredHash is not null && !string.Equals(declaredHash, set.ContentHash, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{source}: content hash {set.ContentHash} does not match the declared content_sha256={declaredHash} (table edited by hand? rebuild it with FiSAO.EntitySetBuilder, or drop the header line).");
        return set;

        void AddExplicit(EntitySetEntry e, int at)
        {
            if (explicitRows.TryGetValue(e.Surface, out var old))
            {
                if (!string.Equals(old.Canonical, e.Canonical, StringComparison.Ordinal))
                    throw new InvalidDataException($"{source}:{at}: surface form '{e.Surface}' maps to '{e.Canonical ?? BlockerMarker}' but an earlier line maps it to '{old.Canonical ?? BlockerMarker}'.");
                return;
            }
            explicitRows[e.Surface] = e;
        }
    }

    private static EntitySet LoadEmbedded()
    {
        using var stream = typeof(EntitySet).Assembly.GetManifestResourceStream(EmbeddedResourceName)
                           ?? throw new InvalidOperationException($"Embedded resource {EmbeddedResourceName} is missing from {typeof(EntitySet).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader, "embedded:entity-set.tsv");
    }

    /// <summary>The entry of a surface form (any spelling: it is normalised first), or null.</summary>
    public EntitySetEntry? Lookup(string surface) =>
        _bySurface.TryGetValue(SurfaceText.NormalizeKey(surface), out var e) ? e : null;

    /// <summary>True when the normalised key is a surface form (blockers included).</summary>
    public bool ContainsSurface(string surface) => Lookup(surface) is not null;

    /// <summary>True when <paramref name="canonical"/> is a canonical entity id (exact, ordinal).</summary>
    public bool ContainsEntity(string canonical) => _formsByCanonical.ContainsKey(canonical);

    /// <summary>
    /// Maps a name to its canonical entity: a canonical id (case-insensitive; LVIS spelling such as
    /// <c>salmon_(fish)</c> accepted), or any surface form ("Dogs" -> "dog", "people" -> "person"), or an LVIS name
    /// whose qualifier is dropped ("car_(automobile)" -> "car"). Null when the name is unknown or a blocker.
    /// </summary>
    public string? Canonicalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_formsByCanonical.ContainsKey(name)) return name;
        if (_canonicalByFoldedId.TryGetValue(FoldId(name), out var id)) return id;
        if (_bySurface.TryGetValue(SurfaceText.NormalizeKey(name), out var e)) return e.Canonical;
        int open = name.IndexOf('(');
        if (open > 0 && _bySurface.TryGetValue(SurfaceText.NormalizeKey(name[..open]), out e)) return e.Canonical;
        return null;
    }

    /// <summary>The surface forms of an entity (sorted), empty when unknown.</summary>
    public IReadOnlyList<string> SurfaceFormsOf(string canonical) =>
        _formsByCanonical.TryGetValue(canonical, out var forms) ? forms : [];

    /// <summary>
    /// The COCO class a canonical entity counts as in CHAIR-style evaluation against COCO labels: the entity
    /// itself when it is a COCO class; for another entity, the single COCO class that CHAIR's vocabulary finds in
    /// its name when that mention ends the name ("school bus" -> bus, "polar bear" -> bear, "wine bottle" -> bottle;
    /// but "dog collar", "microwave oven" with two classes, "cowboy hat" -> none). Null when none.
    /// </summary>
    public string? CocoClassOf(string canonical) =>
        _cocoClassOf.Value.TryGetValue(canonical, out var k) ? k : null;

    /// <summary>
    /// The strict CHAIR vocabulary: only the forms CHAIR's reference evaluator maps (COCO synonym list, their
    /// inflections, the qualifier phrases and blockers). Matching with it reproduces CHAIR's reading of a caption
    /// ("school bus" is a bus mention, "microwave oven" two mentions); the hash differs from the full set.
    /// </summary>
    public EntitySet ChairSubset => _chairSubset.Value;

    // A CHAIR qualifier phrase whose object is no COCO class ("baby cub") is, in CHAIR's reading, a joined word that
    // names no COCO object: it stays in the subset as a blocker so that "baby" is not read as a person.
    private EntitySet BuildChairSubset() =>
        new(Entries.Where(e => e.IsChairForm)
                .Select(e => e.Canonical is not null && !CocoClasses.Contains(e.Canonical) ? e with { Canonical = null } : e),
            Source + "#chair", Header);

    private FrozenDictionary<string, string?> DeriveCocoClasses()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (CocoClasses.Count == 0) return result.ToFrozenDictionary(StringComparer.Ordinal);
        var strict = ChairSubset;
        foreach (var entity in Entities)
        {
            if (CocoClasses.Contains(entity)) { result[entity] = entity; continue; }
            int paren = entity.IndexOf(" (", StringComparison.Ordinal);
            var name = paren > 0 ? entity[..paren] : entity;
            var mentions = strict.Matcher.FindInText(name);
            var classes = mentions.Select(m => m.Canonical).Distinct(StringComparer.Ordinal).ToList();
            result[entity] = classes.Count == 1 && mentions[^1].CharEnd == name.TrimEnd().Length ? classes[0] : null;
        }
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The content hash of a mapping (see <see cref="ContentHash"/>).</summary>
    public static string ComputeContentHash(IEnumerable<(string Surface, string? Canonical)> rows)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (surface, canonical) in rows.OrderBy(r => r.Surface, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(surface + "\t" + (canonical ?? BlockerMarker) + "\n"));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string FoldId(string id) =>
        string.Join(' ', id.Replace('_', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    public override string ToString() =>
        $"EntitySet({Source}: {Counts.Entities} entities, {Counts.SurfaceForms} surface forms, sha256 {ContentHash[..12]})";
}
