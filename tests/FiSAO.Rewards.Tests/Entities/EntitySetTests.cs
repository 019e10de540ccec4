using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Tests.Entities;

public class EntitySetTests
{
    private static EntitySet Set => EntitySet.Default;

    [Fact]
    public void Default_LoadsTheEmbeddedTableWithTheCountsAndHashItsHeaderDeclares()
    {
        Assert.Equal("embedded:entity-set.tsv", Set.Source);
        Assert.Matches("^[0-9a-f]{64}$", Set.ContentHash);
        Assert.Contains(Set.Header, h => h == $"# content_sha256={Set.ContentHash}");
        Assert.Contains(Set.Header, h => h.Contains($" entities={Set.Counts.Entities} ") && h.Contains($" surface_forms={Set.Counts.SurfaceForms} ")
                                         && h.Contains($" multi_word_forms={Set.Counts.MultiWordSurfaceForms} "));
        Assert.InRange(Set.Counts.Entities, 1000, 1300);
        Assert.InRange(Set.Counts.SurfaceForms, 4000, 6500);
    }

    [Fact]
    public void Load_TheCommittedFile_GivesTheSameSetAsTheEmbeddedResource()
    {
        var fromFile = EntitySet.Load(BuilderInputs.CommittedTablePath);

        Assert.Equal(Set.ContentHash, fromFile.ContentHash);
        Assert.Equal(Set.Counts, fromFile.Counts);
    }

    [Theory]
    [InlineData("dog", "dog")]
    [InlineData("dogs", "dog")]
    [InlineData("Dogs", "dog")]
    [InlineData("puppies", "dog")]
    [InlineData("traffic light", "traffic light")]
    [InlineData("traffic lights", "traffic light")]
    [InlineData("Traffic-Lights", "traffic light")]
    [InlineData("hot dog", "hot dog")]
    [InlineData("hot dogs", "hot dog")]
    [InlineData("people", "person")]
    [InlineData("man", "person")]
    [InlineData("men", "person")]
    [InlineData("women", "person")]
    [InlineData("children", "person")]
    [InlineData("mice", "mouse")]
    [InlineData("geese", "bird")]
    [InlineData("knives", "knife")]
    [InlineData("wolves", "wolf")]
    [InlineData("oxen", "cow")]
    [InlineData("buses", "bus")]
    [InlineData("glasses", "spectacles")]
    [InlineData("wine glasses", "wine glass")]
    [InlineData("table", "dining table")]
    [InlineData("tv", "tv")]
    [InlineData("television", "tv")]
    [InlineData("cellphone", "cell phone")]
    [InlineData("auto", "car")]
    [InlineData("aeroplane", "airplane")]
    [InlineData("baby elephants", "elephant")]
    [InlineData("passenger train", "train")]
    [InlineData("bow tie", "tie")]
    [InlineData("toilet seat", "toilet")]
    [InlineData("lamppost", "lamppost")]
    [InlineData("bat", "bat")]
    [InlineData("baseball bats", "baseball bat")]
    [InlineData("bow", "tie")]
    [InlineData("pitcher", "person")]
    public void Canonicalize_SurfaceForm_GivesItsOneCanonicalEntity(string surface, string canonical) =>
        Assert.Equal(canonical, Set.Canonicalize(surface));

    [Theory]
    [InlineData("salmon_(fish)", "salmon")]
    [InlineData("car_(automobile)", "car")]
    [InlineData("bow_(weapon)", "tie")]
    [InlineData("Dining Table", "dining table")]
    [InlineData("pitcher (vessel for liquid)", "pitcher (vessel for liquid)")]
    [InlineData("PITCHER_(vessel_for_liquid)", "pitcher (vessel for liquid)")]
    public void Canonicalize_AcceptsCanonicalIdsAndLvisNames(string name, string canonical) =>
        Assert.Equal(canonical, Set.Canonicalize(name));

    [Theory]
    [InlineData("can")]        // modal verb
    [InlineData("watch")]      // mostly a verb in captions
    [InlineData("overall")]    // "Overall, the image shows ..."
    [InlineData("aerial")]     // "an aerial view"
    [InlineData("light")]
    [InlineData("category")]
    public void Canonicalize_AmbiguousOrUnknownWord_IsNotAnEntity(string word) =>
        Assert.Null(Set.Canonicalize(word));

    [Fact]
    public void TrainTrack_IsABlockerPhraseNotAnEntity()
    {
        var entry = Set.Lookup("train tracks");

        Assert.NotNull(entry);
        Assert.True(entry.IsBlocker);
        Assert.Null(Set.Canonicalize("train tracks"));
    }

    [Fact]
    public void MultiWordEntities_AreSingleSurfaceForms()
    {
        Assert.Equal(2, Set.Lookup("traffic light")!.WordCount);
        Assert.Equal("fire hydrant", Set.Canonicalize("fire hydrant"));
        Assert.Equal("teddy bear", Set.Canonicalize("teddy bears"));
        Assert.True(Set.Counts.MultiWordSurfaceForms > 1000);
        Assert.True(Set.MaxWordsPerForm >= 3);
    }

    [Fact]
    public void EverySurfaceForm_MapsToExactlyOneEntity_AndEveryEntityHasItsForms()
    {
        Assert.Equal(Set.Entries.Count, Set.Entries.Select(e => e.Surface).Distinct().Count());
        foreach (var entity in Set.Entities)
            Assert.NotEmpty(Set.SurfaceFormsOf(entity));
    }

    [Fact]
    public void CocoClasses_AreTheEightyChairClasses()
    {
        Assert.Equal(80, Set.CocoClasses.Count);
        Assert.Contains("dining table", Set.CocoClasses);
        Assert.Contains("hair drier", Set.CocoClasses);
        Assert.DoesNotContain("lamp", Set.CocoClasses);
    }

    [Theory]
    [InlineData("dog", "dog")]
    [InlineData("school bus", "bus")]
    [InlineData("polar bear", "bear")]
    [InlineData("wine bottle", "bottle")]
    [InlineData("fighter jet", "airplane")]
    [InlineData("dog collar", null)]   // "dog" does not end the name
    [InlineData("cowboy hat", null)]   // a hat, not a person
    [InlineData("lamp", null)]
    public void CocoClassOf_LvisEntity_IsTheChairClassThatEndsItsName(string canonical, string? coco)
    {
        Assert.True(Set.ContainsEntity(canonical), canonical);
        Assert.Equal(coco, Set.CocoClassOf(canonical));
    }

    [Fact]
    public void ChairSubset_HoldsOnlyFormsChairMaps()
    {
        var chair = Set.ChairSubset;

        Assert.All(chair.Entries, e => Assert.True(e.IsChairForm, e.Surface));
        Assert.Equal(80, chair.Entities.Count);
        Assert.Equal("bus", chair.Canonicalize("bus"));
        Assert.Null(chair.Canonicalize("school bus"));
        Assert.Null(chair.Canonicalize("auto"));   // WordNet synonym, not in CHAIR's list
        Assert.NotEqual(Set.ContentHash, chair.ContentHash);
    }

    [Fact]
    public void ChairSubset_QualifierPhraseOfANonCocoAnimal_IsABlocker()
    {
        // CHAIR joins "baby cub" into "cub", which is no COCO object: "baby" must not be read as a person.
        Assert.Equal("cub", Set.Canonicalize("baby cub"));
        Assert.True(Set.ChairSubset.Lookup("baby cub")!.IsBlocker);
    }

    [Fact]
    public void ContentHash_DependsOnTheMappingOnly_NotOnCommentsOrLineOrder()
    {
        var a = EntitySet.Parse(new StringReader("# one\ndog\tdog\ndogs\tdog\ncat\tcat\n"));
        var b = EntitySet.Parse(new StringReader("cat\tcat\tlvis\n# other comment\ndogs\tdog\tcoco\nDog\tdog\n"));
        var c = EntitySet.Parse(new StringReader("cat\tcat\ndogs\tdog\ndog\tcanine\n"));

        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.NotEqual(a.ContentHash, c.ContentHash);
    }

    [Fact]
    public void Parse_PlainListWithOneEntityPerLine_AddsPluralForms()
    {
        var set = EntitySet.Parse(new StringReader("# my deployment's list\ntraffic cone\nbox\nperson\n"));

        Assert.Equal(["box", "person", "traffic cone"], set.Entities);
        Assert.Equal("traffic cone", set.Canonicalize("traffic cones"));
        Assert.Equal("box", set.Canonicalize("boxes"));
        Assert.Equal("person", set.Canonicalize("people"));
        Assert.Equal(new EntitySetCounts(3, 6, 2, 0), set.Counts);
    }

    [Fact]
    public void Parse_SurfaceTabCanonicalLines_MapSurfacesToTheGivenEntity()
    {
        var set = EntitySet.Parse(new StringReader("puppy\tdog\ndog\ndoggo\tdog\ntrain track\t-\n"));

        Assert.Equal("dog", set.Canonicalize("puppy"));
        Assert.Equal("dog", set.Canonicalize("doggo"));
        Assert.Null(set.Canonicalize("puppies")); // explicit rows are not inflected
        Assert.True(set.Lookup("train track")!.IsBlocker);
        Assert.Equal(1, set.Counts.Blockers);
    }

    [Fact]
    public void Parse_SurfaceMappedToTwoEntities_Throws()
    {
        var ex = Assert.Throws<InvalidDataException>(() => EntitySet.Parse(new StringReader("bat\tbaseball bat\nbat\tbat (animal)\n")));
        Assert.Contains("'bat'", ex.Message);
    }

    [Fact]
    public void Parse_GeneratedTableEditedByHand_FailsTheContentHashCheck()
    {
        var text = File.ReadAllText(BuilderInputs.CommittedTablePath).Replace("\ndogs\tdog\t", "\ndogs\tcat\t");

        Assert.Throws<InvalidDataException>(() => EntitySet.Parse(new StringReader(text)));
        var unchecked_ = EntitySet.Parse(new StringReader(text), options: new EntitySetLoadOptions { VerifyContentHash = false });
        Assert.Equal("cat", unchecked_.Canonicalize("dogs"));
    }
}
