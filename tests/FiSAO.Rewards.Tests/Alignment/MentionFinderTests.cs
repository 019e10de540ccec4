using FiSAO.Rewards.Alignment;

namespace FiSAO.Rewards.Tests.Alignment;

public class MentionFinderTests
{
    private static readonly MentionFinder Finder = new();

    private static (string Canonical, int Start, int End)[] Spans(IEnumerable<EntityMention> mentions) =>
        mentions.Select(m => (m.Canonical, m.TokenStart, m.TokenEnd)).ToArray();

    [Fact]
    public void SentencePiece_MultiTokenMultiWordMention_MapsToItsTokenSpan()
    {
        string[] tokens = ["▁Two", "▁traffic", "▁lig", "hts", "▁and", "▁a", "▁hot", "▁dog", ".", "<0x0A>", "</s>"];

        var found = Finder.FindInTokensWithText(tokens, TokenFormat.SentencePiece);

        Assert.Equal(" Two traffic lights and a hot dog.\n", found.Text);
        Assert.Equal([("traffic light", 1, 4), ("hot dog", 6, 8)], Spans(found.Mentions));
        Assert.Equal("traffic lights", found.Mentions[0].Surface);
        Assert.Equal("traffic lights", found.Text[found.Mentions[0].CharStart..found.Mentions[0].CharEnd]);
    }

    [Fact]
    public void SentencePiece_ByteFallbackPieces_DecodeAsUtf8AndKeepTokenIndices()
    {
        // "café" with é as byte pieces <0xC3><0xA9>, then a newline byte and "dogs".
        string[] tokens = ["▁A", "▁caf", "<0xC3>", "<0xA9>", "<0x0A>", "Dog", "s", "!"];

        var found = Finder.FindInTokensWithText(tokens);

        Assert.Equal(TokenFormat.SentencePiece, found.Format);
        Assert.Equal(" A café\nDogs!", found.Text);
        Assert.Equal([("dog", 5, 7)], Spans(found.Mentions));
    }

    [Fact]
    public void ByteLevelBpe_MultiTokenMultiWordMention_MapsToItsTokenSpan()
    {
        string[] tokens = ["A", "Ġbaseball", "Ġb", "at", "Ġnear", "Ġthe", "Ġfire", "Ġhyd", "rant", ".", "Ċ", "<|endoftext|>"];

        var found = Finder.FindInTokensWithText(tokens, TokenFormat.ByteLevelBpe);

        Assert.Equal("A baseball bat near the fire hydrant.\n", found.Text);
        Assert.Equal([("baseball bat", 1, 4), ("fire hydrant", 6, 9)], Spans(found.Mentions));
    }

    [Fact]
    public void ByteLevelBpe_MultiByteCharacters_DecodeThroughTheByteTable()
    {
        // "Ã©" is the byte-level spelling of é (0xC3 0xA9); "âĢĻ" of the right quote ’ (0xE2 0x80 0x99).
        string[] tokens = ["The", "Ġcaf", "Ã©", "âĢĻ", "s", "Ġcat"];

        var found = Finder.FindInTokensWithText(tokens);

        Assert.Equal(TokenFormat.ByteLevelBpe, found.Format);
        Assert.Equal("The café’s cat", found.Text);
        Assert.Equal([("cat", 5, 6)], Spans(found.Mentions));
    }

    [Fact]
    public void WordPiece_ContinuationPieces_JoinTheirWordAndMapToTheSpan()
    {
        string[] tokens = ["[CLS]", "two", "traffic", "light", "##s", "and", "a", "hot", "dog", ".", "[SEP]"];

        var found = Finder.FindInTokensWithText(tokens, TokenFormat.WordPiece);

        Assert.Equal("two traffic lights and a hot dog .", found.Text);
        Assert.Equal([("traffic light", 2, 5), ("hot dog", 7, 9)], Spans(found.Mentions));
    }

    [Fact]
    public void WordPiece_IsDetectedFromContinuationPieces()
    {
        string[] tokens = ["a", "sk", "##ate", "##board", "##er"];

        var found = Finder.FindInTokensWithText(tokens);

        Assert.Equal(TokenFormat.WordPiece, found.Format);
        Assert.Equal("a skateboarder", found.Text);
        Assert.Equal([("person", 1, 5)], Spans(found.Mentions));
    }

    [Fact]
    public void Plain_PiecesConcatenateAsIs()
    {
        string[] tokens = ["Two", " traffic", " ligh", "ts", " and", " a", " hot", " dog", "."];

        var found = Finder.FindInTokensWithText(tokens, TokenFormat.Plain);

        Assert.Equal("Two traffic lights and a hot dog.", found.Text);
        Assert.Equal([("traffic light", 1, 4), ("hot dog", 6, 8)], Spans(found.Mentions));
    }

    [Fact]
    public void Auto_DetectsEachFormat()
    {
        Assert.Equal(TokenFormat.SentencePiece, TokenDecoder.Detect(["▁a", "▁dog"]));
        Assert.Equal(TokenFormat.ByteLevelBpe, TokenDecoder.Detect(["a", "Ġdog"]));
        Assert.Equal(TokenFormat.WordPiece, TokenDecoder.Detect(["a", "dog", "##s"]));
        Assert.Equal(TokenFormat.WordPiece, TokenDecoder.Detect(["a", "dog"]));   // pieces without spaces
        Assert.Equal(TokenFormat.Plain, TokenDecoder.Detect(["a", " dog"]));
        Assert.Equal(TokenFormat.Plain, TokenDecoder.Detect(["a dog"]));
    }

    [Fact]
    public void Mention_IsNeverMatchedInsideALongerWord()
    {
        var found = Finder.FindInText("This category of cattle concatenates scatter-plots; a catalogue.");

        Assert.Equal(["cow"], found.Mentions.Select(m => m.Canonical)); // "cattle" only; no "cat"
    }

    [Fact]
    public void Matching_IgnoresCaseAndPunctuation()
    {
        var found = Finder.FindInText("Dogs, CATS; and a Traffic-Light!");

        Assert.Equal(["dog", "cat", "traffic light"], found.Mentions.Select(m => m.Canonical));
        Assert.Equal("Dogs", found.Text[found.Mentions[0].CharStart..found.Mentions[0].CharEnd]);
        Assert.Equal("dogs", found.Mentions[0].Surface);
    }

    [Fact]
    public void LongestMatch_PrefersTheMultiWordForm()
    {
        var found = Finder.FindInText("a hot dog, a baseball bat and a dog");

        Assert.Equal(["hot dog", "baseball bat", "dog"], found.Mentions.Select(m => m.Canonical));
    }

    [Fact]
    public void MultiWordForm_DoesNotMatchAcrossSentencePunctuation()
    {
        var found = Finder.FindInText("It is hot. Dog owners relax.");

        Assert.Equal(["dog"], found.Mentions.Select(m => m.Canonical));
    }

    [Fact]
    public void BlockerPhrase_HidesTheEntityInsideIt()
    {
        var found = Finder.FindInText("Train tracks run past a train.");

        Assert.Equal([("train", 5, 6)], Spans(found.Mentions));
    }

    [Fact]
    public void FindInText_SplitsWordsAndMapsMentionsToThoseTokens()
    {
        var found = Finder.FindInText("A man's dog sat by the fire hydrant.");

        Assert.Equal(["A", "man's", "dog", "sat", "by", "the", "fire", "hydrant", "."], found.Tokens.Select(t => t.Text));
        Assert.Equal([("person", 1, 2), ("dog", 2, 3), ("fire hydrant", 6, 8)], Spans(found.Mentions));
    }

    [Fact]
    public void TokenCounts_WhenAnyOfItsCharactersIsInTheMention()
    {
        // The first token holds the end of "hot" plus a space; the last holds "dog" and the period.
        string[] tokens = ["A ho", "t d", "og."];

        var mentions = Finder.FindInTokens(tokens, TokenFormat.Plain);

        Assert.Equal([("hot dog", 0, 3)], Spans(mentions));
        Assert.Equal((2, 9), (mentions[0].CharStart, mentions[0].CharEnd));
    }

    [Fact]
    public void SpecialTokens_DecodeToNothingAndOwnNoCharacters()
    {
        string[] tokens = ["<s>", "▁A", "▁cat", "</s>", "<pad>"];

        var found = Finder.FindInTokensWithText(tokens);

        Assert.Equal(" A cat", found.Text);
        Assert.Equal([("cat", 2, 3)], Spans(found.Mentions));
    }

    [Fact]
    public void CustomEntitySet_IsMatchedInsteadOfTheDefault()
    {
        var set = FiSAO.Rewards.Entities.EntitySet.Parse(new StringReader("traffic cone\nzebra crossing\n"));
        var finder = new MentionFinder(set);

        var found = finder.FindInText("Traffic cones on a zebra crossing; a zebra.");

        Assert.Equal(["traffic cone", "zebra crossing"], found.Mentions.Select(m => m.Canonical));
    }

    [Fact]
    public void FindInTokens_IsSafeToCallFromManyThreads()
    {
        string[] tokens = ["▁A", "▁dog", "▁and", "▁two", "▁cats", "▁near", "▁a", "▁traffic", "▁light"];
        var expected = Spans(Finder.FindInTokens(tokens));

        Parallel.For(0, 2000, _ => Assert.Equal(expected, Spans(Finder.FindInTokens(tokens))));
    }
}
