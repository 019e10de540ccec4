using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Tests.Entities;

public class EnglishInflectorTests
{
    private static readonly EnglishInflector Inflector = EnglishInflector.Basic;

    [Theory]
    [InlineData("dog", "dogs")]
    [InlineData("traffic light", "traffic lights")]
    [InlineData("box", "boxes")]
    [InlineData("bus", "buses")]
    [InlineData("glass", "glasses")]
    [InlineData("peach", "peaches")]
    [InlineData("berry", "berries")]
    [InlineData("toy", "toys")]
    [InlineData("knife", "knives")]
    [InlineData("mouse", "mice")]
    [InlineData("person", "people")]
    [InlineData("policeman", "policemen")]
    [InlineData("human", "humans")]
    [InlineData("pair of pliers", "pairs of pliers")]
    [InlineData("camera lens", "camera lenses")]
    public void Plurals_GiveTheHeadWordsPlural(string singular, string plural) =>
        Assert.Contains(plural, Inflector.Plurals(singular));

    [Theory]
    [InlineData("sheep")]
    [InlineData("scissors")]
    [InlineData("jeans")]
    [InlineData("brussels sprouts")]
    [InlineData("people")]
    public void Plurals_OfUncountableOrAlreadyPluralWords_AreEmpty(string word) =>
        Assert.Empty(Inflector.Plurals(word));

    [Fact]
    public void Plurals_OfAStemChangingIrregular_DoNotAddTheRegularForm()
    {
        Assert.Equal(["children"], Inflector.Plurals("child"));
        Assert.Equal(["oxen"], Inflector.Plurals("ox"));
    }

    [Fact]
    public void ExtraIrregulars_FromWordNet_AreMergedWithTheBuiltIns()
    {
        var inflector = new EnglishInflector([new("bus", ["busses"]), new("cactus", ["cactuses"])]);

        Assert.Equal(["busses", "buses"], inflector.Plurals("bus"));
        Assert.Contains("cacti", inflector.Plurals("cactus"));
    }
}
