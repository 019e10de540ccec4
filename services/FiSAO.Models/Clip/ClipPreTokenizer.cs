using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace FiSAO.Models.Clip;

/// <summary>
/// Splits normalised text the way CLIP's pattern does:
/// <c>'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>, dropping the whitespace between matches.
/// </summary>
/// <remarks>
/// A hand-written scanner instead of <see cref="RegexPreTokenizer"/>: .NET's <c>Regex</c> matches UTF-16 code units, so
/// <c>\p{L}</c> and <c>\p{N}</c> never match a letter or digit outside the BMP (its surrogate halves are category Cs)
/// and e.g. "𝐀bc" or a CJK Extension B character would split differently than in Python/Rust, which match code points.
/// The scanner tries the alternatives in the pattern's order at each position, i.e. leftmost-first like the regex.
/// Special tokens never reach it: <see cref="ClipTokenizer"/> splits them off the raw text first, as HF does.
/// </remarks>
public sealed class ClipPreTokenizer : PreTokenizer
{
    public static ClipPreTokenizer Instance { get; } = new();

    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    internal static List<(int Offset, int Length)> Split(string text)
    {
        var pieces = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            Rune rune = RuneAt(text, i);
            if (ClipTextNormalizer.IsWhiteSpace(rune.Value))
            {
                i += rune.Utf16SequenceLength;
                continue;
            }

            int start = i;
            if (rune.Value == '\'' && MatchContraction(text, i + 1) is int contractionLength)
            {
                i += 1 + contractionLength;
            }
            else if (IsLetter(rune))
            {
                do
                {
                    i += rune.Utf16SequenceLength;
                }
                while (i < text.Length && IsLetter(rune = RuneAt(text, i)));
            }
            else if (IsNumber(rune))
            {
                i += rune.Utf16SequenceLength; // [\p{N}] takes a single digit
            }
            else
            {
                do
                {
                    i += rune.Utf16SequenceLength;
                }
                while (i < text.Length && IsOther(rune = RuneAt(text, i)));
            }

            pieces.Add((start, i - start));
        }

        return pieces;
    }

    private static int? MatchContraction(string text, int at)
    {
        foreach (string suffix in Contractions)
        {
            if (text.AsSpan(at).StartsWith(suffix, StringComparison.Ordinal))
            {
                return suffix.Length;
            }
        }

        return null;
    }

    private static Rune RuneAt(string text, int index) =>
        Rune.DecodeFromUtf16(text.AsSpan(index), out Rune rune, out _) == OperationStatus.Done ? rune : Rune.ReplacementChar;

    private static bool IsLetter(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    private static bool IsNumber(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsOther(Rune rune) => !ClipTextNormalizer.IsWhiteSpace(rune.Value) && !IsLetter(rune) && !IsNumber(rune);
}
