using FiSAO.Models.Clip;

namespace FiSAO.Models.Tests.Tokenization;

public class UnicodeNfcTests
{
    [Theory]
    [InlineData("e\u0301", "\u00e9")] // compose
    [InlineData("\u00e9", "\u00e9")] // already composed
    [InlineData("A\u030a", "\u00c5")]
    [InlineData("\u212b", "\u00c5")] // ANGSTROM SIGN is a singleton decomposition
    [InlineData("\u1e69", "\u1e69")] // s + dot below + dot above, nested decomposition recomposes
    [InlineData("s\u0307\u0323", "\u1e69")] // marks in non-canonical order are reordered, then composed
    [InlineData("a\u0323\u0302", "\u1ead")] // ậ
    [InlineData("\u1100\u1161\u11a8", "\uac01")] // Hangul L V T -> syllable
    [InlineData("\uac00\u11a8", "\uac01")] // LV + T
    [InlineData("\u0301e", "\u0301e")] // a leading mark has nothing to join
    [InlineData("\u0344", "\u0308\u0301")] // excluded from composition: stays decomposed
    [InlineData("plain ascii", "plain ascii")]
    public void Normalize_matches_NFC(string input, string expected)
    {
        Assert.Equal(expected, UnicodeNfc.Normalize(input));
    }

    [Fact]
    public void Ascii_input_is_returned_as_is()
    {
        string text = "a photo of a dog";
        Assert.Same(text, UnicodeNfc.Normalize(text));
    }
}
