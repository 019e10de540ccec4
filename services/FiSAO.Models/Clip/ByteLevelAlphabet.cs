namespace FiSAO.Models.Clip;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c> table, which CLIP's BPE shares: every UTF-8 byte gets a printable character so that
/// the vocabulary never holds whitespace or control characters. Printable Latin-1 bytes map to themselves, the other
/// 68 to U+0100 onwards, in byte order.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers applies this table itself when <c>ByteLevel</c> is on, but keeps it internal; decoding ids
/// back to text needs the inverse, so it is rebuilt here.
/// </remarks>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    public static char Encode(byte b) => ByteToChar[b];

    public static bool TryDecode(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}
