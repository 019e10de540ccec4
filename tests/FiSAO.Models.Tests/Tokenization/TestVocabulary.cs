using System.Text;
using System.Text.Json;

namespace FiSAO.Models.Tests.Tokenization;

/// <summary>
/// Writes small HF-style CLIP tokenizer folders. The 512 byte-level symbols get the ids every CLIP vocabulary gives
/// them (GPT-2 byte order, then the same with "&lt;/w&gt;"); merged symbols get whatever ids a test chooses.
/// </summary>
internal sealed class TestVocabulary : IDisposable
{
    public const int Bos = 49406;
    public const int Eos = 49407;

    /// <summary>Merges (in rank order) that build "of", "dog" and "photo", with OpenAI's ids for the whole words.</summary>
    public static readonly (string Left, string Right, int Id)[] WordMerges =
    [
        ("o", "f</w>", 539),
        ("d", "o", 40001),
        ("do", "g</w>", 1929),
        ("p", "h", 40002),
        ("o", "t", 40003),
        ("ph", "ot", 40004),
        ("phot", "o</w>", 1125),
    ];

    public TestVocabulary((string Left, string Right, int Id)[]? merges = null, IReadOnlyDictionary<string, object>? tokenizerConfig = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "fisao-cliptok-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        merges ??= WordMerges;

        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteSymbol((byte)b)] = ByteId((byte)b);
            vocab[ByteSymbol((byte)b) + "</w>"] = ByteId((byte)b, endOfWord: true);
        }

        foreach ((string left, string right, int id) in merges)
        {
            vocab[left + right] = id;
        }

        vocab["<|startoftext|>"] = Bos;
        vocab["<|endoftext|>"] = Eos;

        File.WriteAllText(VocabPath, JsonSerializer.Serialize(vocab), new UTF8Encoding(false));
        File.WriteAllText(MergesPath, "#version: 0.2\n" + string.Concat(merges.Select(m => $"{m.Left} {m.Right}\n")), new UTF8Encoding(false));
        if (tokenizerConfig is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "tokenizer_config.json"), JsonSerializer.Serialize(tokenizerConfig));
        }
    }

    public string Directory { get; }

    public string VocabPath => Path.Combine(Directory, "vocab.json");

    public string MergesPath => Path.Combine(Directory, "merges.txt");

    /// <summary>The id of a single byte symbol, with or without the end-of-word suffix.</summary>
    public static int ByteId(byte b, bool endOfWord = false) => (endOfWord ? 256 : 0) + ByteRank(b);

    public static int CharId(char c, bool endOfWord = false) => ByteId((byte)c, endOfWord);

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes keep their character, the rest go to U+0100 on.</summary>
    public static string ByteSymbol(byte b) => ((char)CodePointOf(b)).ToString();

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder left behind is harmless
        }
    }

    private static bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static int CodePointOf(byte b)
    {
        if (Printable(b))
        {
            return b;
        }

        int n = 0;
        for (int i = 0; i < b; i++)
        {
            if (!Printable(i))
            {
                n++;
            }
        }

        return 256 + n;
    }

    /// <summary>Position of the byte in bytes_to_unicode's order: the printable bytes first, then the others.</summary>
    private static int ByteRank(byte b)
    {
        int[] order = Enumerable.Range(0, 256).Where(Printable).Concat(Enumerable.Range(0, 256).Where(i => !Printable(i))).ToArray();
        return Array.IndexOf(order, (int)b);
    }
}
