using System.Text;
using System.Text.Json.Nodes;
using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Scenes;

namespace FiSAO.ShapesWorld.Text;

/// <summary>
/// A CLIP byte-level BPE tokenizer made for the shapes world: the 512 byte symbols (plain and with <c>&lt;/w&gt;</c>), so
/// that any text encodes, plus BPE merges learned on the world's caption vocabulary until every one of its words is a
/// single token ("mice&lt;/w&gt;", "traffic&lt;/w&gt;"), plus <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c>.
/// Written as HF files (vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json) that
/// <see cref="ClipTokenizer.FromDirectory"/> loads.
/// </summary>
public static class WorldTokenizer
{
    private const string EndOfWord = "</w>";

    /// <summary>Text positions of the shapes CLIP: the longest caption (with two inserted objects) is about 30 tokens.</summary>
    public const int DefaultModelMaxLength = 40;

    /// <summary>The vocabulary (token -> id) and the merges in rank order, for the given words (default: the world's).</summary>
    public static (Dictionary<string, int> Vocab, List<(string Left, string Right)> Merges) Build(IEnumerable<string>? words = null)
    {
        var byteSymbols = ByteSymbols();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) vocab[byteSymbols[b].ToString()] = b;
        for (int b = 0; b < 256; b++) vocab[byteSymbols[b] + EndOfWord] = 256 + b;

        var merges = LearnMerges((words ?? CaptionWriter.Vocabulary).Select(w => w.ToLowerInvariant()).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).Select(w => ToSymbols(w, byteSymbols)).ToList());
        foreach (var (left, right) in merges) vocab.TryAdd(left + right, vocab.Count);
        vocab[ClipTokenizerOptions.StartOfText] = vocab.Count;
        vocab[ClipTokenizerOptions.EndOfText] = vocab.Count;
        return (vocab, merges);
    }

    /// <summary>Writes the tokenizer files into <paramref name="directory"/>; returns the vocabulary size.</summary>
    public static int Save(string directory, int modelMaxLength = DefaultModelMaxLength)
    {
        Directory.CreateDirectory(directory);
        var (vocab, merges) = Build();
        var utf8 = new UTF8Encoding(false);
        var vocabJson = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) vocabJson[token] = id;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocabJson.ToJsonString(), utf8);
        var mergeText = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in merges) mergeText.Append(left).Append(' ').Append(right).Append('\n');
        File.WriteAllText(Path.Combine(directory, "merges.txt"), mergeText.ToString(), utf8);

        var special = new JsonObject
        {
            ["bos_token"] = ClipTokenizerOptions.StartOfText,
            ["eos_token"] = ClipTokenizerOptions.EndOfText,
            ["unk_token"] = ClipTokenizerOptions.EndOfText,
            ["pad_token"] = ClipTokenizerOptions.EndOfText,
        };
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), special.ToJsonString(new() { WriteIndented = true }), utf8);
        var config = new JsonObject
        {
            ["tokenizer_class"] = "CLIPTokenizer",
            ["model_max_length"] = modelMaxLength,
            ["do_lower_case"] = true,
            ["bos_token"] = ClipTokenizerOptions.StartOfText,
            ["eos_token"] = ClipTokenizerOptions.EndOfText,
            ["unk_token"] = ClipTokenizerOptions.EndOfText,
            ["pad_token"] = ClipTokenizerOptions.EndOfText,
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(new() { WriteIndented = true }), utf8);
        return vocab.Count;
    }

    /// <summary>
    /// Classic BPE on word types: merge the most frequent adjacent pair (ties: ordinal order of "left right") until
    /// every word is one symbol.
    /// </summary>
    private static List<(string, string)> LearnMerges(List<List<string>> words)
    {
        var merges = new List<(string, string)>();
        while (true)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++)
                    counts[(w[i], w[i + 1])] = counts.GetValueOrDefault((w[i], w[i + 1])) + 1;
            if (counts.Count == 0) return merges;
            var best = counts.OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1 + " " + kv.Key.Item2, StringComparer.Ordinal).First().Key;
            merges.Add(best);
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++)
                    if (w[i] == best.Item1 && w[i + 1] == best.Item2)
                    {
                        w[i] += w[i + 1];
                        w.RemoveAt(i + 1);
                    }
        }
    }

    private static List<string> ToSymbols(string word, char[] byteSymbols)
    {
        var symbols = Encoding.UTF8.GetBytes(word).Select(b => byteSymbols[b].ToString()).ToList();
        symbols[^1] += EndOfWord;
        return symbols;
    }

    /// <summary>GPT-2's <c>bytes_to_unicode</c>: printable bytes map to themselves, the others to U+0100 onwards.</summary>
    internal static char[] ByteSymbols()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }
}
