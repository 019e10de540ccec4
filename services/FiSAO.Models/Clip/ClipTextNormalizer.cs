using System.Text;
using Microsoft.ML.Tokenizers;

namespace FiSAO.Models.Clip;

/// <summary>
/// CLIP's text normaliser, as HF's <c>CLIPTokenizerFast</c> configures it:
/// <c>Sequence([NFC(), Replace(Regex(r"\s+"), " "), Lowercase()])</c>.
/// </summary>
/// <remarks>
/// Written here rather than composed from Microsoft.ML.Tokenizers parts because the library has no NFC or whitespace
/// normaliser, and its <see cref="LowerCaseNormalizer"/> uses .NET's invariant casing, which (measured) leaves U+0130
/// 'İ' unchanged where Rust's <c>char::to_lowercase</c> and Python's <c>str.lower</c> give "i\u0307".
/// The slow tokenizer's extra <c>strip()</c> is not needed: the pre-tokenizer drops whitespace anyway.
/// </remarks>
public sealed class ClipTextNormalizer : Normalizer
{
    public static ClipTextNormalizer Instance { get; } = new();

    public override string Normalize(string original) => NormalizeText(original);

    public override string Normalize(ReadOnlySpan<char> original) => NormalizeText(original.ToString());

    internal static string NormalizeText(string text)
    {
        string nfc = UnicodeNfc.Normalize(text);
        var sb = new StringBuilder(nfc.Length);
        bool inWhitespace = false;
        foreach (Rune rune in nfc.EnumerateRunes())
        {
            if (IsWhiteSpace(rune.Value))
            {
                if (!inWhitespace)
                {
                    sb.Append(' ');
                }

                inWhitespace = true;
                continue;
            }

            inWhitespace = false;
            AppendLower(sb, rune);
        }

        return sb.ToString();
    }

    /// <summary>Unicode's White_Space property: what <c>\s</c> means to the Rust (onig) and Python <c>regex</c> engines.</summary>
    internal static bool IsWhiteSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    private static void AppendLower(StringBuilder sb, Rune rune)
    {
        if (rune.Value < 0x80)
        {
            char c = (char)rune.Value;
            sb.Append(c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
            return;
        }

        if (rune.Value == 0x0130)
        {
            // The one unconditional multi-character lower-case mapping (SpecialCasing.txt).
            sb.Append("i\u0307");
            return;
        }

        sb.Append(Rune.ToLowerInvariant(rune).ToString());
    }
}
