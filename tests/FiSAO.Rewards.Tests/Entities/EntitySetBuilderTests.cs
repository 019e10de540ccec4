using FiSAO.Rewards.Entities;
using FiSAO.Rewards.Entities.Building;

namespace FiSAO.Rewards.Tests.Entities;

public class EntitySetBuilderTests
{
    [BuilderInputsFact]
    public void Build_TwiceFromTheSameInputs_GivesByteIdenticalTables()
    {
        var first = EntitySetBuilder.Build(BuilderInputs.Inputs).ToTsv();
        var second = EntitySetBuilder.Build(BuilderInputs.Inputs).ToTsv();

        Assert.Equal(first, second);
        Assert.True(first.Length > 50_000);
    }

    [BuilderInputsFact]
    public void Build_WritesSortedRowsAndAHeaderWithInputHashesAndCounts()
    {
        var result = EntitySetBuilder.Build(BuilderInputs.Inputs);

        var surfaces = result.Rows.Select(r => r.Surface).ToList();
        Assert.Equal(surfaces.OrderBy(s => s, StringComparer.Ordinal), surfaces);
        Assert.Equal(surfaces.Count, surfaces.Distinct().Count());
        Assert.Contains(result.HeaderLines, h => h.StartsWith("# input lvis_v1_categories.json sha256=", StringComparison.Ordinal) && h.EndsWith("categories=1203", StringComparison.Ordinal));
        Assert.Contains(result.HeaderLines, h => h.StartsWith("# input chair_synonyms.txt sha256=", StringComparison.Ordinal) && h.Contains("classes=80"));
        Assert.Contains(result.HeaderLines, h => h.StartsWith("# input wordnet/data.noun sha256=", StringComparison.Ordinal));
        Assert.Contains(result.HeaderLines, h => h.Contains($"surface_forms={result.SurfaceFormCount}") && h.Contains($"entities={result.EntityCount}"));
    }

    [BuilderInputsFact]
    public void Build_OutputLoadsWithTheHashAndCountsItDeclares()
    {
        var result = EntitySetBuilder.Build(BuilderInputs.Inputs);

        var set = EntitySet.Parse(new StringReader(result.ToTsv()));

        Assert.Equal(result.EntityCount, set.Counts.Entities);
        Assert.Equal(result.SurfaceFormCount, set.Counts.SurfaceForms);
        Assert.Equal(result.MultiWordSurfaceFormCount, set.Counts.MultiWordSurfaceForms);
        Assert.Contains(result.HeaderLines, h => h == $"# content_sha256={set.ContentHash}");
    }

    [BuilderInputsFact]
    public void CommittedTable_IsExactlyWhatTheBuilderProducesFromItsInputs()
    {
        var committed = File.ReadAllText(BuilderInputs.CommittedTablePath);
        var rebuilt = EntitySetBuilder.Build(BuilderInputs.Inputs).ToTsv();
        var inputLines = (string text) => text.Split('\n').Where(l => l.StartsWith("# input ", StringComparison.Ordinal)).ToList();
        if (!inputLines(committed).SequenceEqual(inputLines(rebuilt)))
        {
            // Different input files (another WordNet build, newer data): the committed table is stale.
            Assert.Fail("The builder inputs differ from those recorded in the committed table; rebuild it with " +
                        "services/FiSAO.EntitySetBuilder and commit it. Differences:\n" +
                        string.Join('\n', inputLines(committed).Except(inputLines(rebuilt))));
        }

        Assert.Equal(committed, rebuilt);
    }

    [BuilderInputsFact]
    public void Build_KeepsQualifiedLvisHomonymsOutOfCocoClasses()
    {
        var set = EntitySet.Parse(new StringReader(EntitySetBuilder.Build(BuilderInputs.Inputs).ToTsv()));

        Assert.Equal("tie", set.Canonicalize("bow"));                       // CHAIR's reading of "bow" wins
        Assert.Equal("person", set.Canonicalize("pitcher"));                // CHAIR: a baseball pitcher
        Assert.Equal("pitcher (vessel for liquid)", set.Canonicalize("ewer")); // the jug stays its own entity
        Assert.Equal("sheep", set.Canonicalize("ram"));                     // ram_(animal) is a kind of sheep
    }
}

public class WordNetDatabaseTests
{
    private static readonly Lazy<WordNetDatabase> Db = new(() => WordNetDatabase.Load(BuilderInputs.WordNetDirectory));

    [BuilderInputsFact]
    public void Resolve_NltkSynsetName_GivesTheSynsetWithItsLemmas()
    {
        var offset = Db.Value.Resolve("dog.n.01");

        Assert.NotNull(offset);
        var synset = Db.Value.GetSynset(offset.Value);
        Assert.Equal("dog", synset.Lemmas[0]);
        Assert.Contains("domestic_dog", synset.Lemmas);
    }

    [BuilderInputsFact]
    public void IsSelfOrHyponymOf_FollowsHypernymsTransitively()
    {
        var puppy = Db.Value.Resolve("puppy.n.01")!.Value;
        var dog = Db.Value.Resolve("dog.n.01")!.Value;
        var ball = Db.Value.Resolve("ball.n.01")!.Value;

        Assert.True(Db.Value.IsSelfOrHyponymOf(puppy, dog));
        Assert.False(Db.Value.IsSelfOrHyponymOf(ball, dog));
    }

    [BuilderInputsFact]
    public void NounExceptions_HoldIrregularPlurals()
    {
        Assert.Equal(["mouse"], Db.Value.NounExceptions["mice"]);
        Assert.Equal(["goose"], Db.Value.NounExceptions["geese"]);
        Assert.Equal(["knife"], Db.Value.NounExceptions["knives"]);
    }
}
