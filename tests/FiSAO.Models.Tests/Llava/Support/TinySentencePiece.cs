using FiSAO.Models.Llava;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>
/// A hand-made SentencePiece BPE model (tokenizer.model) with LLaMA's layout: &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2, the 256
/// byte pieces &lt;0x00&gt;..&lt;0xFF&gt; at 3..258 (byte fallback), then a handful of normal pieces. Written as a protobuf
/// <c>sentencepiece.ModelProto</c> (sentencepiece_model.proto field numbers) with Google.Protobuf's wire writer, so the
/// tokenizer under test parses the real file format. Normalizer as LLaMA's: "identity", add_dummy_prefix,
/// escape_whitespaces, no removal of extra whitespace.
/// <para>
/// Merge pieces are listed first and scored -1, -2, ...: BPE merges the adjacent pair whose union has the highest score,
/// so the expected segmentations below follow by hand, e.g. "▁the": ▁ t h e -> ▁ t he (-4 beats ▁t at -5) -> ▁t he
/// -> ▁the. "USER: " normalises to "▁USER:▁" and gives ▁US ER : ▁, like LLaMA's real vocabulary.
/// </para>
/// </summary>
public static class TinySentencePiece
{
    public const int FirstNormalId = 259;

    public static readonly string[] MergedPieces =
        ["US", "ER", "▁US", "he", "▁t", "▁the", "og", "▁d", "▁dog", "▁a", "at", "▁c", "▁cat"];

    public static readonly string[] CharPieces =
        ["▁", "U", "S", "E", "R", ":", "A", "I", "T", "N", "D", "e", "s", "c", "r", "i", "b", "t", "h", "d", "o", "g", ".", "a"];

    /// <summary>Pieces in the model (SentencePiece ids 0 .. Count - 1).</summary>
    public static int Count => FirstNormalId + MergedPieces.Length + CharPieces.Length;

    /// <summary>Tokenizer ids including llava-hf's added &lt;image&gt; (Count) and &lt;pad&gt; (Count + 1).</summary>
    public static int TokenizerCount => Count + 2;

    public static int ImageId => Count;

    public static int PadId => Count + 1;

    public static int IdOf(string piece)
    {
        if (piece == "<unk>") return 0;
        if (piece == "<s>") return 1;
        if (piece == "</s>") return 2;
        if (piece.StartsWith("<0x", StringComparison.Ordinal)) return 3 + Convert.ToInt32(piece[3..5], 16);
        var merged = Array.IndexOf(MergedPieces, piece);
        if (merged >= 0) return FirstNormalId + merged;
        var single = Array.IndexOf(CharPieces, piece);
        if (single >= 0) return FirstNormalId + MergedPieces.Length + single;
        if (piece == "<image>") return ImageId;
        if (piece == "<pad>") return PadId;
        throw new ArgumentException($"'{piece}' is not in the tiny vocabulary.");
    }

    public static byte[] ModelProto()
    {
        var pieces = new List<(string Piece, float Score, SentencePieceType Type)>
        {
            ("<unk>", 0, SentencePieceType.Unknown),
            ("<s>", 0, SentencePieceType.Control),
            ("</s>", 0, SentencePieceType.Control),
        };
        for (var b = 0; b < 256; b++) pieces.Add(($"<0x{b:X2}>", 0, SentencePieceType.Byte));
        for (var i = 0; i < MergedPieces.Length; i++) pieces.Add((MergedPieces[i], -(i + 1), SentencePieceType.Normal));
        for (var i = 0; i < CharPieces.Length; i++) pieces.Add((CharPieces[i], -(MergedPieces.Length + i + 1), SentencePieceType.Normal));
        return SentencePieceModelWriter.Write(pieces);
    }

    /// <summary>Writes tokenizer.model, added_tokens.json and tokenizer_config.json as llava-hf ships them.</summary>
    public static void WriteTokenizerFiles(string directory, bool addedTokensJson = true, bool tokenizerConfig = true)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "tokenizer.model"), ModelProto());
        if (addedTokensJson) LlavaTokenizerFiles.WriteAddedTokens(directory, ImageId, PadId);
        if (tokenizerConfig) LlavaTokenizerFiles.WriteTokenizerConfig(directory, ImageId, PadId);
    }
}
