using Google.Protobuf;

namespace FiSAO.Models.Llava;

/// <summary>sentencepiece_model.proto's <c>SentencePiece.Type</c>.</summary>
public enum SentencePieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6 }

/// <summary>
/// Writes a SentencePiece BPE <c>tokenizer.model</c> (a protobuf <c>sentencepiece.ModelProto</c>, written with
/// Google.Protobuf's wire writer) with LLaMA's settings: unk 0, bos 1, eos 2, byte fallback when byte pieces are present,
/// normalizer "identity" with add_dummy_prefix and escape_whitespaces, no removal of extra whitespace. For policy folders
/// made here (the shapes world's) and for tests; <see cref="LlavaTokenizer"/> reads the result like LLaMA's own file.
/// </summary>
public static class SentencePieceModelWriter
{
    /// <param name="pieces">Ids 0 .. n-1 in order; BPE merges the adjacent pair whose union has the best score.</param>
    public static byte[] Write(IReadOnlyList<(string Piece, float Score, SentencePieceType Type)> pieces) => Message(model =>
    {
        foreach (var (piece, score, type) in pieces)
            SubMessage(model, 1, p => // ModelProto.pieces
            {
                p.WriteTag(1, WireFormat.WireType.LengthDelimited); p.WriteString(piece);
                p.WriteTag(2, WireFormat.WireType.Fixed32); p.WriteFloat(score);
                p.WriteTag(3, WireFormat.WireType.Varint); p.WriteEnum((int)type);
            });
        SubMessage(model, 2, t => // ModelProto.trainer_spec
        {
            t.WriteTag(3, WireFormat.WireType.Varint); t.WriteEnum(2);             // model_type = BPE
            t.WriteTag(4, WireFormat.WireType.Varint); t.WriteInt32(pieces.Count); // vocab_size
            t.WriteTag(35, WireFormat.WireType.Varint); t.WriteBool(pieces.Any(p => p.Type == SentencePieceType.Byte)); // byte_fallback
            t.WriteTag(40, WireFormat.WireType.Varint); t.WriteInt32(0);           // unk_id
            t.WriteTag(41, WireFormat.WireType.Varint); t.WriteInt32(1);           // bos_id
            t.WriteTag(42, WireFormat.WireType.Varint); t.WriteInt32(2);           // eos_id
        });
        SubMessage(model, 3, n => // ModelProto.normalizer_spec
        {
            n.WriteTag(1, WireFormat.WireType.LengthDelimited); n.WriteString("identity");
            n.WriteTag(3, WireFormat.WireType.Varint); n.WriteBool(true);  // add_dummy_prefix
            n.WriteTag(4, WireFormat.WireType.Varint); n.WriteBool(false); // remove_extra_whitespaces
            n.WriteTag(5, WireFormat.WireType.Varint); n.WriteBool(true);  // escape_whitespaces
        });
    });

    static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }

    static void SubMessage(CodedOutputStream output, int field, Action<CodedOutputStream> write)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Message(write)));
    }
}
