namespace FiSAO.Rewards.Alignment;

/// <summary>How the policy's token pieces encode text.</summary>
public enum TokenFormat
{
    /// <summary>Detect from the pieces (see <see cref="TokenDecoder.Detect"/>).</summary>
    Auto = 0,

    /// <summary>Plain strings: the response is the concatenation of the pieces, as is.</summary>
    Plain,

    /// <summary>SentencePiece (LLaMA/Vicuna, T5): <c>▁</c> (U+2581) is a space, <c>&lt;0xNN&gt;</c> a raw byte (byte fallback,
    /// consecutive byte pieces form UTF-8), <c>&lt;s&gt;</c>-style control pieces are empty.</summary>
    SentencePiece,

    /// <summary>Byte-level BPE (GPT-2, RoBERTa, LLaMA-3, Qwen): each character stands for one byte through GPT-2's
    /// bytes-to-unicode table (<c>Ġ</c> space, <c>Ċ</c> newline); bytes are decoded as UTF-8. <c>&lt;|...|&gt;</c> and
    /// <c>&lt;...&gt;</c> special tokens are empty.</summary>
    ByteLevelBpe,

    /// <summary>WordPiece (BERT): <c>##x</c> continues the previous word; any other piece starts a new word (a space
    /// is inserted before it); <c>[CLS]</c>-style special tokens are empty.</summary>
    WordPiece,
}
