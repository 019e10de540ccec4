namespace FiSAO.Rewards.Alignment;

/// <summary>
/// Turns a policy's token pieces into the response text and, for every character, the token(s) it came from.
/// A character decoded from bytes of several tokens (a UTF-8 sequence split across byte pieces) belongs to all of
/// them: <see cref="DecodedText.FirstToken"/> is the token of its first byte, <see cref="DecodedText.LastToken"/> of its
/// last. Tokens that decode to nothing (special tokens, an unfinished byte run) own no character.
/// </summary>
public static class TokenDecoder
{
    private const char SentencePieceSpace = '\u2581';

    // GPT-2 bytes_to_unicode, inverted: UnicodeToByte[c] = byte for c < 0x144, -1 otherwise.
    private static readonly short[] UnicodeToByte = BuildByteDecoder();

    private static short[] BuildByteDecoder()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (printable[b]) map[b] = (short)b;
            else map[256 + n++] = (short)b;
        }
        return map;
    }

    /// <summary>
    /// Picks a format from the pieces: any <c>▁</c> or <c>&lt;0xNN&gt;</c> piece -> SentencePiece; any character of
    /// GPT-2's remapped byte range U+0100..U+0143 (<c>Ġ</c>, <c>Ċ</c>, ...) -> byte-level BPE; any <c>##</c> piece ->
    /// WordPiece; two or more pieces none of which holds whitespace -> WordPiece (BERT pieces carry no spaces);
    /// otherwise Plain. Ambiguous inputs (a short SentencePiece response without <c>▁</c>) decode the same either way;
    /// production callers should still pass the tokenizer's format explicitly.
    /// </summary>
    public static TokenFormat Detect(IReadOnlyList<string> pieces)
    {
        bool wordPiece = false, anyWhitespace = false;
        for (int t = 0; t < pieces.Count; t++)
        {
            var p = pieces[t];
            if (p is null) continue;
            if (IsBytePiece(p)) return TokenFormat.SentencePiece;
            foreach (char c in p)
            {
                if (c == SentencePieceSpace) return TokenFormat.SentencePiece;
                if (c >= '\u0100' && c <= '\u0143') return TokenFormat.ByteLevelBpe;
                if (char.IsWhiteSpace(c)) anyWhitespace = true;
            }
            if (p.Length > 2 && p[0] == '#' && p[1] == '#') wordPiece = true;
        }
        if (wordPiece) return TokenFormat.WordPiece;
        if (!anyWhitespace && pieces.Count > 1) return TokenFormat.WordPiece;
        return TokenFormat.Plain;
    }

    /// <summary>Decodes pieces to text with the per-character token map.</summary>
    public static DecodedText Decode(IReadOnlyList<string> pieces, TokenFormat format = TokenFormat.Auto)
    {
        var buffer = new DecodeBuffer();
        var used = DecodeInto(pieces, format, buffer);
        return new DecodedText(new string(buffer.Chars, 0, buffer.Length), used, pieces.Count,
            buffer.First.AsSpan(0, buffer.Length).ToArray(), buffer.Last.AsSpan(0, buffer.Length).ToArray());
    }

    internal static TokenFormat DecodeInto(IReadOnlyList<string> pieces, TokenFormat format, DecodeBuffer buf)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        buf.Reset();
        if (format == TokenFormat.Auto) format = Detect(pieces);
        switch (format)
        {
            case TokenFormat.Plain:
                for (int t = 0; t < pieces.Count; t++)
                {
                    var p = pieces[t];
                    if (p is null) continue;
                    foreach (char c in p) buf.AppendChar(c, t, t);
                }
                break;

            case TokenFormat.SentencePiece:
                for (int t = 0; t < pieces.Count; t++)
                {
                    var p = pieces[t];
                    if (string.IsNullOrEmpty(p)) continue;
                    if (TryParseBytePiece(p, out byte b)) { buf.AppendByte(b, t); continue; }
                    buf.FlushBytes();
                    if (IsAngleSpecial(p)) continue;
                    foreach (char c in p) buf.AppendChar(c == SentencePieceSpace ? ' ' : c, t, t);
                }
                buf.FlushBytes();
                break;

            case TokenFormat.ByteLevelBpe:
                Span<byte> utf8 = stackalloc byte[4];
                for (int t = 0; t < pieces.Count; t++)
                {
                    var p = pieces[t];
                    if (string.IsNullOrEmpty(p) || IsAngleSpecial(p)) continue;
                    bool mapped = true;
                    foreach (char c in p)
                    {
                        if (c >= UnicodeToByte.Length || UnicodeToByte[c] < 0) { mapped = false; break; }
                    }
                    if (mapped)
                    {
                        foreach (char c in p) buf.AppendByte((byte)UnicodeToByte[c], t);
                    }
                    else
                    {
                        // Not a byte-level piece (special tokens such as "<|endoftext|>" were skipped above): take it literally.
                        foreach (var rune in p.EnumerateRunes())
                        {
                            int n = rune.EncodeToUtf8(utf8);
                            for (int i = 0; i < n; i++) buf.AppendByte(utf8[i], t);
                        }
                    }
                }
                buf.FlushBytes();
                break;

            case TokenFormat.WordPiece:
                bool any = false;
                for (int t = 0; t < pieces.Count; t++)
                {
                    var p = pieces[t];
                    if (string.IsNullOrEmpty(p) || IsBracketSpecial(p) || IsAngleSpecial(p)) continue;
                    int from = 0;
                    if (p.Length > 2 && p[0] == '#' && p[1] == '#') from = 2;
                    else if (any) buf.AppendChar(' ', t, t);
                    for (int i = from; i < p.Length; i++) buf.AppendChar(p[i], t, t);
                    any = true;
                }
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown token format.");
        }
        return format;
    }

    /// <summary>True for a SentencePiece byte-fallback piece such as <c>&lt;0x0A&gt;</c>.</summary>
    public static bool IsBytePiece(string p) => p.Length == 6 && TryParseBytePiece(p, out _);

    private static bool TryParseBytePiece(string p, out byte value)
    {
        value = 0;
        if (p.Length != 6 || p[0] != '<' || p[1] != '0' || (p[2] != 'x' && p[2] != 'X') || p[5] != '>') return false;
        int hi = HexValue(p[3]), lo = HexValue(p[4]);
        if (hi < 0 || lo < 0) return false;
        value = (byte)(hi * 16 + lo);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    // "<s>", "</s>", "<unk>", "<|endoftext|>", "<image>": a whole piece in angle brackets without whitespace.
    private static bool IsAngleSpecial(string p)
    {
        if (p.Length < 3 || p[0] != '<' || p[^1] != '>') return false;
        for (int i = 1; i < p.Length - 1; i++)
        {
            char c = p[i];
            if (char.IsWhiteSpace(c) || c == '<' || c == '>') return false;
        }
        return true;
    }

    // "[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "[unused12]".
    private static bool IsBracketSpecial(string p)
    {
        if (p.Length < 3 || p[0] != '[' || p[^1] != ']') return false;
        for (int i = 1; i < p.Length - 1; i++) if (!char.IsLetterOrDigit(p[i]) && p[i] != '_') return false;
        return true;
    }
}

/// <summary>The decoded response and its character-to-token map.</summary>
/// <param name="Text">The decoded text.</param>
/// <param name="Format">The format used.</param>
/// <param name="TokenCount">Number of pieces decoded.</param>
/// <param name="FirstToken">For each character of <paramref name="Text"/>, the token of its first byte.</param>
/// <param name="LastToken">For each character, the token of its last byte (differs only for split UTF-8).</param>
public sealed record DecodedText(string Text, TokenFormat Format, int TokenCount, int[] FirstToken, int[] LastToken)
{
    /// <summary>The token span <c>[start, end)</c> of the characters <c>[charStart, charEnd)</c>.</summary>
    public (int TokenStart, int TokenEnd) TokenSpan(int charStart, int charEnd)
    {
        if (charStart < 0 || charEnd > Text.Length || charStart >= charEnd) throw new ArgumentOutOfRangeException(nameof(charStart));
        return (FirstToken[charStart], LastToken[charEnd - 1] + 1);
    }
}

/// <summary>Reusable decode workspace (one per thread in the hot path).</summary>
internal sealed class DecodeBuffer
{
    public char[] Chars = new char[256];
    public int[] First = new int[256];
    public int[] Last = new int[256];
    public int Length;
    private byte[] _bytes = new byte[64];
    private int[] _byteToken = new int[64];
    private int _byteCount;

    public void Reset()
    {
        Length = 0;
        _byteCount = 0;
    }

    public void AppendChar(char c, int first, int last)
    {
        if (Length == Chars.Length) Grow();
        Chars[Length] = c;
        First[Length] = first;
        Last[Length] = last;
        Length++;
    }

    public void AppendByte(byte b, int token)
    {
        if (_byteCount == _bytes.Length)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
            Array.Resize(ref _byteToken, _byteToken.Length * 2);
        }
        _bytes[_byteCount] = b;
        _byteToken[_byteCount] = token;
        _byteCount++;
    }

    /// <summary>Decodes the pending bytes as UTF-8 (invalid sequences -> U+FFFD per byte).</summary>
    public void FlushBytes()
    {
        int i = 0;
        while (i < _byteCount)
        {
            byte b0 = _bytes[i];
            int need = b0 < 0x80 ? 0 : (b0 & 0xE0) == 0xC0 ? 1 : (b0 & 0xF0) == 0xE0 ? 2 : (b0 & 0xF8) == 0xF0 ? 3 : -1;
            if (need == 0) { AppendChar((char)b0, _byteToken[i], _byteToken[i]); i++; continue; }
            int cp = need switch { 1 => b0 & 0x1F, 2 => b0 & 0x0F, 3 => b0 & 0x07, _ => 0 };
            bool ok = need > 0;
            if (ok)
            {
                for (int k = 1; k <= need; k++)
                {
                    if (i + k >= _byteCount || (_bytes[i + k] & 0xC0) != 0x80) { ok = false; break; }
                    cp = (cp << 6) | (_bytes[i + k] & 0x3F);
                }
            }
            if (ok && (cp < (need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
            if (!ok)
            {
                AppendChar('\uFFFD', _byteToken[i], _byteToken[i]);
                i++;
                continue;
            }
            int first = _byteToken[i], last = _byteToken[i + need];
            if (cp < 0x10000) AppendChar((char)cp, first, last);
            else
            {
                cp -= 0x10000;
                AppendChar((char)(0xD800 + (cp >> 10)), first, last);
                AppendChar((char)(0xDC00 + (cp & 0x3FF)), first, last);
            }
            i += need + 1;
        }
        _byteCount = 0;
    }

    private void Grow()
    {
        int n = Chars.Length * 2;
        Array.Resize(ref Chars, n);
        Array.Resize(ref First, n);
        Array.Resize(ref Last, n);
    }
}
