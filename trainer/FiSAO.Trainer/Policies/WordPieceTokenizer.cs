using FiSAO.Models.Llava;

namespace FiSAO.Trainer.Policies;

/// <summary>
/// Writes a SentencePiece BPE <c>tokenizer.model</c> in LLaMA's layout whose normal pieces make every given word one
/// token: &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2, optionally the 256 byte pieces (byte fallback, so any text encodes),
/// the single characters, then "▁" + every prefix of every word. SentencePiece's BPE merges the adjacent pair whose union
/// is a piece with the best score; the only multi-character pieces start with "▁", so each word grows from its "▁" one
/// character at a time to the whole word ("▁", "c" -> "▁c" -> "▁ci" -> ... -> "▁circle"), and punctuation stays a piece
/// of its own. Plus llava-hf's added tokens &lt;image&gt; and &lt;pad&gt; and its tokenizer_config.json, so
/// <see cref="FiSAO.Models.Llava.LlavaTokenizer"/> reads the folder as it reads llava-hf/llava-1.5-7b-hf.
/// </summary>
public sealed class WordPieceTokenizer
{
    private WordPieceTokenizer(List<(string Piece, float Score, SentencePieceType Type)> pieces)
    {
        Pieces = pieces;
    }

    public IReadOnlyList<(string Piece, float Score, SentencePieceType Type)> Pieces { get; }

    /// <summary>SentencePiece pieces (ids 0 .. Count - 1); &lt;image&gt; = Count, &lt;pad&gt; = Count + 1.</summary>
    public int Count => Pieces.Count;

    public int ImageId => Count;

    public int PadId => Count + 1;

    /// <summary>Vocabulary size of the language model (pieces + the two added tokens).</summary>
    public int VocabSize => Count + 2;

    public static WordPieceTokenizer Build(IEnumerable<string> words, bool byteFallback = true)
    {
        var distinct = words.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var pieces = new List<(string Piece, float Score, SentencePieceType Type)> { ("<unk>", 0, SentencePieceType.Unknown), ("<s>", 0, SentencePieceType.Control), ("</s>", 0, SentencePieceType.Control) };
        if (byteFallback)
            for (var b = 0; b < 256; b++) pieces.Add(($"<0x{b:X2}>", 0, SentencePieceType.Byte));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var chars = distinct.SelectMany(w => w).Append('▁').Distinct().Order().Select(c => c.ToString()).ToList();
        var score = -1f;
        foreach (var c in chars)
            if (seen.Add(c)) pieces.Add((c, score--, SentencePieceType.Normal));
        foreach (var word in distinct)
            for (var k = 1; k <= word.Length; k++)
                if (seen.Add("▁" + word[..k])) pieces.Add(("▁" + word[..k], score--, SentencePieceType.Normal));
        return new WordPieceTokenizer(pieces);
    }

    /// <summary>Writes tokenizer.model, added_tokens.json and tokenizer_config.json.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "tokenizer.model"), ModelProto());
        LlavaTokenizerFiles.WriteAddedTokens(directory, ImageId, PadId);
        LlavaTokenizerFiles.WriteTokenizerConfig(directory, ImageId, PadId);
    }

    /// <summary>The tokenizer.model bytes (<see cref="SentencePieceModelWriter"/>, LLaMA's settings).</summary>
    public byte[] ModelProto() => SentencePieceModelWriter.Write(Pieces);
}
