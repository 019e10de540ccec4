using System.Collections.Frozen;
using System.Text;

namespace FiSAO.Models.Clip;

/// <summary>
/// Unicode Normalization Form C, implemented from the tables in UnicodeNfc.Data.cs.
/// </summary>
/// <remarks>
/// HF's CLIP tokenizers (fast: <c>normalizers.NFC()</c>; slow: ftfy or BasicTokenizer) start with NFC. The services build
/// with <c>InvariantGlobalization</c>, where <see cref="string.Normalize()"/> silently returns non-ASCII input unchanged
/// (measured on .NET 10), so a decomposed "e\u0301" would tokenise differently from HF's "é". Hence this small
/// self-contained implementation of UAX #15: canonical decomposition, canonical ordering, canonical composition.
/// </remarks>
internal static partial class UnicodeNfc
{
    // Hangul syllables decompose and compose algorithmically (Unicode chapter 3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>Every code point below this is NFC-stable and never composes with what follows (checked by the generator).</summary>
    private const char FirstUnstable = '\u0300';

    private static readonly FrozenDictionary<int, (int First, int Second)> Decomposition;
    private static readonly FrozenDictionary<long, int> Composition;
    private static readonly int[] CccStarts;
    private static readonly int[] CccEnds;
    private static readonly byte[] CccValues;

    static UnicodeNfc()
    {
        ReadOnlySpan<int> ranges = CombiningClassRanges;
        int n = ranges.Length / 3;
        CccStarts = new int[n];
        CccEnds = new int[n];
        CccValues = new byte[n];
        for (int i = 0; i < n; i++)
        {
            CccStarts[i] = ranges[3 * i];
            CccEnds[i] = ranges[3 * i + 1];
            CccValues[i] = (byte)ranges[3 * i + 2];
        }

        ReadOnlySpan<int> rows = CanonicalDecompositions;
        var decomposition = new Dictionary<int, (int, int)>(rows.Length / 4);
        var composition = new Dictionary<long, int>();
        for (int i = 0; i < rows.Length; i += 4)
        {
            decomposition[rows[i]] = (rows[i + 1], rows[i + 2]);
            if (rows[i + 3] != 0)
            {
                composition[PairKey(rows[i + 1], rows[i + 2])] = rows[i];
            }
        }

        Decomposition = decomposition.ToFrozenDictionary();
        Composition = composition.ToFrozenDictionary();
    }

    /// <summary>Returns the NFC form of <paramref name="text"/> (the same instance when nothing changes).</summary>
    public static string Normalize(string text)
    {
        if (IsTriviallyNormalized(text))
        {
            return text;
        }

        var codePoints = new List<int>(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            // EnumerateRunes turns a lone surrogate into U+FFFD, as Python/Rust would refuse or replace it anyway.
            Decompose(rune.Value, codePoints);
        }

        ReorderCombiningMarks(codePoints);
        Compose(codePoints);

        var sb = new StringBuilder(codePoints.Count);
        foreach (int cp in codePoints)
        {
            sb.Append(new Rune(cp).ToString());
        }

        string result = sb.ToString();
        return result == text ? text : result;
    }

    internal static int CombiningClass(int cp)
    {
        if (cp < FirstUnstable)
        {
            return 0;
        }

        int index = Array.BinarySearch(CccStarts, cp);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && cp <= CccEnds[index] ? CccValues[index] : 0;
    }

    private static bool IsTriviallyNormalized(string text)
    {
        foreach (char c in text)
        {
            if (c >= FirstUnstable)
            {
                return false;
            }
        }

        return true;
    }

    private static void Decompose(int cp, List<int> output)
    {
        int sIndex = cp - SBase;
        if ((uint)sIndex < SCount)
        {
            output.Add(LBase + sIndex / NCount);
            output.Add(VBase + sIndex % NCount / TCount);
            int t = sIndex % TCount;
            if (t != 0)
            {
                output.Add(TBase + t);
            }

            return;
        }

        if (Decomposition.TryGetValue(cp, out var pair))
        {
            // Canonical mappings can nest (e.g. U+1E69 -> U+1E63 U+0307 -> s U+0323 U+0307).
            Decompose(pair.First, output);
            if (pair.Second != 0)
            {
                Decompose(pair.Second, output);
            }

            return;
        }

        output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort of each run of non-starters by combining class.</summary>
    private static void ReorderCombiningMarks(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int cls = CombiningClass(cps[i]);
            if (cls == 0)
            {
                continue;
            }

            int j = i;
            int current = cps[i];
            while (j > 0)
            {
                int previousClass = CombiningClass(cps[j - 1]);
                if (previousClass <= cls)
                {
                    break;
                }

                cps[j] = cps[j - 1];
                j--;
            }

            cps[j] = current;
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless something between blocks it.</summary>
    private static void Compose(List<int> cps)
    {
        if (cps.Count < 2)
        {
            return;
        }

        int starterIndex = 0;
        int lastClass = CombiningClass(cps[0]);
        if (lastClass != 0)
        {
            lastClass = 256; // the text opens with a non-starter: nothing may compose with it
        }

        int write = 1;
        for (int read = 1; read < cps.Count; read++)
        {
            int cp = cps[read];
            int cls = CombiningClass(cp);
            bool blocked = lastClass != 0 && lastClass >= cls;
            if (!blocked && TryCompose(cps[starterIndex], cp, out int composite))
            {
                cps[starterIndex] = composite;
                continue;
            }

            if (cls == 0)
            {
                starterIndex = write;
            }

            lastClass = cls;
            cps[write++] = cp;
        }

        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        int lIndex = first - LBase;
        if ((uint)lIndex < LCount)
        {
            int vIndex = second - VBase;
            if ((uint)vIndex < VCount)
            {
                composite = SBase + (lIndex * VCount + vIndex) * TCount;
                return true;
            }
        }

        int sIndex = first - SBase;
        if ((uint)sIndex < SCount && sIndex % TCount == 0)
        {
            int tIndex = second - TBase;
            if (tIndex > 0 && tIndex < TCount)
            {
                composite = first + tIndex;
                return true;
            }
        }

        return Composition.TryGetValue(PairKey(first, second), out composite);
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;
}
