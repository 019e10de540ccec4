using System.Text.Json;

namespace FiSAO.Models.Clip;

/// <summary>
/// Reads and validates an HF CLIP <c>vocab.json</c> / <c>merges.txt</c> pair, so that a damaged file fails with a
/// message naming the file and the problem instead of a bare exception from deep inside the BPE model.
/// </summary>
internal static class ClipVocabularyFiles
{
    /// <summary>HF <c>CLIPTokenizer</c> keeps only the first 49152 - 256 - 2 merges of <c>merges.txt</c>.</summary>
    internal const int MaxMerges = 49152 - 256 - 2;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Dictionary<string, int> ReadVocabulary(string path)
    {
        byte[] bytes = ReadAll(path, "vocab.json");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"CLIP vocabulary '{path}' is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException(
                    $"CLIP vocabulary '{path}' must be a JSON object of token -> id, not {doc.RootElement.ValueKind}.");
            }

            var vocab = new Dictionary<string, int>(capacity: 50_000, StringComparer.Ordinal);
            var ids = new Dictionary<int, string>(capacity: 50_000);
            foreach (JsonProperty entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new InvalidDataException(
                        $"CLIP vocabulary '{path}': token '{entry.Name}' has id {entry.Value.GetRawText()}, not a non-negative integer.");
                }

                if (!vocab.TryAdd(entry.Name, id))
                {
                    throw new InvalidDataException($"CLIP vocabulary '{path}' lists token '{entry.Name}' twice.");
                }

                if (!ids.TryAdd(id, entry.Name))
                {
                    throw new InvalidDataException(
                        $"CLIP vocabulary '{path}' gives id {id} to both '{ids[id]}' and '{entry.Name}'.");
                }
            }

            if (vocab.Count == 0)
            {
                throw new InvalidDataException($"CLIP vocabulary '{path}' is empty.");
            }

            return vocab;
        }
    }

    /// <summary>
    /// Returns the merges as "left right" strings in rank order. Skips the "#version" header and blank lines, keeps the
    /// last occurrence of a repeated pair (HF builds its rank table with a dict, so the later rank wins), and checks
    /// that both halves and their concatenation are in the vocabulary.
    /// </summary>
    public static List<string> ReadMerges(string path, IReadOnlyDictionary<string, int> vocab)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(ReadAll(path, "merges.txt")).TrimStart('\uFEFF');
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"CLIP merges '{path}' is not UTF-8 text: {e.Message}", e);
        }

        var merges = new List<(string Left, string Right)>();
        string[] lines = text.Split('\n');
        for (int lineNo = 0; lineNo < lines.Length && merges.Count < MaxMerges; lineNo++)
        {
            string line = lines[lineNo].TrimEnd('\r');
            if (line.Length == 0 || (merges.Count == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new InvalidDataException(
                    $"CLIP merges '{path}' line {lineNo + 1}: expected two space-separated symbols, got '{line}'.");
            }

            foreach (string symbol in new[] { parts[0], parts[1], parts[0] + parts[1] })
            {
                if (!vocab.ContainsKey(symbol))
                {
                    throw new InvalidDataException(
                        $"CLIP merges '{path}' line {lineNo + 1}: '{symbol}' is not in the vocabulary; vocab.json and merges.txt do not belong together.");
                }
            }

            merges.Add((parts[0], parts[1]));
        }

        var lastRank = new Dictionary<(string, string), int>();
        for (int i = 0; i < merges.Count; i++)
        {
            lastRank[merges[i]] = i;
        }

        return merges.Where((m, i) => lastRank[m] == i).Select(m => $"{m.Left} {m.Right}").ToList();
    }

    private static byte[] ReadAll(string path, string role)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CLIP tokenizer {role} not found at '{path}'.", path);
        }

        return File.ReadAllBytes(path);
    }
}
