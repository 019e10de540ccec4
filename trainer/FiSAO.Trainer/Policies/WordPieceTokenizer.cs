using FiSAO.Models.Llava;
using Google.Protobuf;

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
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    private WordPieceTokenizer(List<(string Piece, float Score, int Type)> pieces)
    {
        Pieces = pieces;
    }

    public IReadOnlyList<(string Piece, float Score, int Type)> Pieces { get; }

    /// <summary>SentencePiece pieces (ids 0 .. Count - 1); &lt;image&gt; = Count, &lt;pad&gt; = Count + 1.</summary>
    public int Count => Pieces.Count;

    public int ImageId => Count;

    public int PadId => Count + 1;

    /// <summary>Vocabulary size of the language model (pieces + the two added tokens).</summary>
    public int VocabSize => Count + 2;

    public static WordPieceTokenizer Build(IEnumerable<string> words, bool byteFallback = true)
    {
        var distinct = words.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var pieces = new List<(string, float, int)> { ("<unk>", 0, Unknown), ("<s>", 0, Control), ("</s>", 0, Control) };
        if (byteFallback)
            for (var b = 0; b < 256; b++) pieces.Add(($"<0x{b:X2}>", 0, Byte));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var chars = distinct.SelectMany(w => w).Append('▁').Distinct().Order().Select(c => c.ToString()).ToList();
        var score = -1f;
        foreach (var c in chars)
            if (seen.Add(c)) pieces.Add((c, score--, Normal));
        foreach (var word in distinct)
            for (var k = 1; k <= word.Length; k++)
                if (seen.Add("▁" + word[..k])) pieces.Add(("▁" + word[..k], score--, Normal));
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

    /// <summary>sentencepiece_model.proto's ModelProto (pieces, trainer_spec, normalizer_spec), LLaMA's settings.</summary>
    public byte[] ModelProto() => Message(model =>
    {
        foreach (var (piece, score, type) in Pieces)
            SubMessage(model, 1, p =>
            {
                p.WriteTag(1, WireFormat.WireType.LengthDelimited); p.WriteString(piece);
                p.WriteTag(2, WireFormat.WireType.Fixed32); p.WriteFloat(score);
                p.WriteTag(3, WireFormat.WireType.Varint); p.WriteEnum(type);
            });
        SubMessage(model, 2, t =>
        {
            t.WriteTag(3, WireFormat.WireType.Varint); t.WriteEnum(2);             // model_type = BPE
            t.WriteTag(4, WireFormat.WireType.Varint); t.WriteInt32(Pieces.Count); // vocab_size
            t.WriteTag(35, WireFormat.WireType.Varint); t.WriteBool(Pieces.Any(p => p.Type == Byte)); // byte_fallback
            t.WriteTag(40, WireFormat.WireType.Varint); t.WriteInt32(0);           // unk_id
            t.WriteTag(41, WireFormat.WireType.Varint); t.WriteInt32(1);           // bos_id
            t.WriteTag(42, WireFormat.WireType.Varint); t.WriteInt32(2);           // eos_id
        });
        SubMessage(model, 3, n =>
        {
            n.WriteTag(1, WireFormat.WireType.LengthDelimited); n.WriteString("identity");
            n.WriteTag(3, WireFormat.WireType.Varint); n.WriteBool(true);  // add_dummy_prefix
            n.WriteTag(4, WireFormat.WireType.Varint); n.WriteBool(false); // remove_extra_whitespaces
            n.WriteTag(5, WireFormat.WireType.Varint); n.WriteBool(true);  // escape_whitespaces
        });
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }

    private static void SubMessage(CodedOutputStream output, int field, Action<CodedOutputStream> write)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Message(write)));
    }
}
