using System.Text.Json;
using System.Text.Json.Serialization;

namespace FiSAO.Rewards.Entities.Building;

/// <summary>One LVIS v1 category as shipped in <c>lvis_v1_categories.json</c>.</summary>
public sealed record LvisCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("synonyms")] IReadOnlyList<string> Synonyms,
    [property: JsonPropertyName("synset")] string Synset,
    [property: JsonPropertyName("frequency")] string Frequency)
{
    public static IReadOnlyList<LvisCategory> ReadAll(string path)
    {
        using var stream = File.OpenRead(path);
        var list = JsonSerializer.Deserialize<List<LvisCategory>>(stream)
                   ?? throw new InvalidDataException($"{path}: expected a JSON array of categories.");
        return list.OrderBy(c => c.Id).ToList();
    }

    /// <summary>LVIS frequency bucket as a rank: f (frequent) 0, c (common) 1, r (rare) 2.</summary>
    public int FrequencyRank => Frequency switch { "f" => 0, "c" => 1, "r" => 2, _ => 3 };

    /// <summary>Splits an LVIS name such as <c>bow_(weapon)</c> into its normalised base ("bow") and its humanised
    /// qualifier ("weapon"), or null when it has none. A few LVIS names carry two names separated by a space
    /// (<c>monitor_(computer_equipment) computer_monitor</c>); <see cref="SplitNames"/> separates those first.</summary>
    public static (string Base, string? Qualifier) ParseName(string name)
    {
        int open = name.IndexOf("_(", StringComparison.Ordinal);
        if (open < 0) open = name.IndexOf('(');
        if (open >= 0)
        {
            int close = name.IndexOf(')', open);
            var qualifier = SurfaceText.NormalizeKey(name[(open + 1)..(close < 0 ? name.Length : close)]);
            var rest = name[..open] + (close < 0 ? "" : name[(close + 1)..]);
            return (SurfaceText.NormalizeKey(rest), qualifier.Length == 0 ? null : qualifier);
        }
        return (SurfaceText.NormalizeKey(name), null);
    }

    public static IEnumerable<string> SplitNames(string raw) =>
        raw.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>One COCO class of CHAIR's synonym list (<c>chair_synonyms.txt</c>): the first comma-separated entry is the
/// class name, the rest the surface forms CHAIR maps to it. Forms are normalised keys, duplicates removed, file order kept.</summary>
public sealed record CocoClass(int Index, string Name, IReadOnlyList<string> Forms)
{
    public static IReadOnlyList<CocoClass> ReadAll(string path)
    {
        var result = new List<CocoClass>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
            var forms = new List<string>();
            foreach (var part in line.Split(','))
            {
                var key = SurfaceText.NormalizeKey(part);
                if (key.Length > 0 && !forms.Contains(key)) forms.Add(key);
            }
            if (forms.Count > 0) result.Add(new CocoClass(result.Count, forms[0], forms));
        }
        return result;
    }
}
