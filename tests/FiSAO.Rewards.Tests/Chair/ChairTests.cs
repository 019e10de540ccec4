using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Tests.Chair;

public class ChairClassifierTests
{
    private static readonly MentionFinder Finder = new();
    private static readonly ChairClassifier Classifier = new();

    private static (string Surface, string? As, MentionVerdict Verdict)[] Classify(string caption, params string[] groundTruth) =>
        Classifier.Classify(Finder.FindInText(caption).Mentions, groundTruth)
            .Select(c => (c.Mention.Surface, c.EvaluatedAs, c.Verdict)).ToArray();

    [Fact]
    public void Mention_IsCorrectWhenItsObjectIsInTheImage_AndHallucinatedOtherwise()
    {
        var result = Classify("A man walks two dogs past a cat.", "person", "dog");

        Assert.Equal([("man", "person", MentionVerdict.Correct), ("dogs", "dog", MentionVerdict.Correct),
                      ("cat", "cat", MentionVerdict.Hallucinated)], result);
    }

    [Fact]
    public void GroundTruth_IsCanonicalisedThroughTheEntitySet()
    {
        var gt = Classifier.CanonicalizeGroundTruth(["people", "Dogs", "car_(automobile)", "dining table", "lamp", "unicorn"]);

        Assert.Equal(new HashSet<string> { "person", "dog", "car", "dining table" }, gt.Objects);
        Assert.Equal(["lamp", "unicorn"], gt.Ignored); // lamp is no COCO class; unicorn is unknown
    }

    [Fact]
    public void BabyOrAdultAnimal_CountsAsTheAnimal_NotAsAPerson()
    {
        var result = Classify("A baby elephant and an adult giraffe near a baby.", "elephant", "giraffe");

        Assert.Equal([("baby elephant", "elephant", MentionVerdict.Correct), ("adult giraffe", "giraffe", MentionVerdict.Correct),
                      ("baby", "person", MentionVerdict.Hallucinated)], result);
    }

    [Fact]
    public void PassengerJetOrTrain_CountsAsTheVehicle_NotAsAPerson()
    {
        var result = Classify("A passenger jet flies over a passenger train.", "airplane", "train");

        Assert.Equal([("passenger jet", "airplane", MentionVerdict.Correct), ("passenger train", "train", MentionVerdict.Correct)], result);
    }

    [Fact]
    public void BowTie_CountsAsTie()
    {
        var result = Classify("A man in bow ties.", "person", "tie");

        Assert.Equal([("man", "person", MentionVerdict.Correct), ("bow ties", "tie", MentionVerdict.Correct)], result);
    }

    [Fact]
    public void ToiletSeat_CountsAsToilet_AndSeatIsNoChairWhenAToiletIsMentioned()
    {
        var withToilet = Classify("The toilet seat is up; a seat stands by the toilet.", "toilet");
        var withoutToilet = Classify("A seat by the window.", "toilet");

        Assert.Equal([("toilet seat", "toilet", MentionVerdict.Correct), ("seat", null, MentionVerdict.NotEvaluated),
                      ("toilet", "toilet", MentionVerdict.Correct)], withToilet);
        Assert.Equal([("seat", "chair", MentionVerdict.Hallucinated)], withoutToilet);
    }

    [Fact]
    public void LvisOnlyObject_IsNotEvaluatedAgainstCocoLabels_ButIsWithLvisLabels()
    {
        var mentions = Finder.FindInText("A lamp next to a school bus.").Mentions;

        var coco = Classifier.Classify(mentions, ["bus"]);
        var lvis = new ChairClassifier(vocabulary: ChairVocabulary.AllEntities).Classify(mentions, ["lamp"]);

        Assert.Equal([(null, MentionVerdict.NotEvaluated), ("bus", MentionVerdict.Correct)], coco.Select(c => (c.EvaluatedAs, c.Verdict)));
        Assert.Equal([("lamp", MentionVerdict.Correct), ("school bus", MentionVerdict.Hallucinated)], lvis.Select(c => (c.EvaluatedAs, c.Verdict)));
    }

    [Fact]
    public void TokenMentions_FromTheVerifier_AreClassifiedTheSameWay()
    {
        string[] tokens = ["▁A", "▁dog", "▁chas", "es", "▁a", "▁fr", "is", "bee", "."];

        var classified = Classifier.Classify(Finder.FindInTokens(tokens), ["dog"]);

        Assert.Equal([("dog", 1, 2, MentionVerdict.Correct), ("frisbee", 5, 8, MentionVerdict.Hallucinated)],
            classified.Select(c => (c.Mention.Canonical, c.Mention.TokenStart, c.Mention.TokenEnd, c.Verdict)));
    }
}

public class ChairEvaluatorTests
{
    [Fact]
    public void Scores_MatchAHandComputedExample()
    {
        var evaluator = new ChairEvaluator();
        (string, IEnumerable<string>)[] items =
        [
            // 3 mentions (man, dog, frisbee), 1 hallucinated (frisbee); GT {person, dog, bench}: recalls person, dog.
            ("A man throws a frisbee to his dog.", ["person", "dog", "bench"]),
            // 2 mentions (cat, cats), both correct; GT {cat}: recalls cat.
            ("A cat sleeps while two cats play.", ["cat"]),
            // 2 mentions (pizza, fork), both hallucinated; GT {cake, knife}: recalls nothing.
            ("A pizza with a fork.", ["cake", "knife"]),
            // no mention; GT {person}.
            ("A sunny day.", ["person"]),
        ];

        var scores = evaluator.Evaluate(items);

        // CHAIR_s = 2 captions with a hallucination / 4; CHAIR_i = 3 hallucinated / 7 mentions; recall = 3 / 7 GT objects.
        Assert.Equal(new ChairScores(Captions: 4, HallucinatedCaptions: 2, Mentions: 7, HallucinatedMentions: 3,
            GroundTruthObjects: 7, RecalledObjects: 3), scores);
        Assert.Equal(0.5, scores.ChairS, 12);
        Assert.Equal(3.0 / 7, scores.ChairI, 12);
        Assert.Equal(3.0 / 7, scores.Recall, 12);
    }

    [Fact]
    public void ChairI_CountsEveryOccurrenceOfAHallucinatedObject_AsTheReferenceEvaluatorDoes()
    {
        var evaluator = new ChairEvaluator();

        // Rohrbach et al.'s chair.py adds every COCO word of the caption to the mention count and every one of them that is
        // not in the image to the hallucinated count: "cat" twice is two hallucinations, not one.
        var caption = evaluator.EvaluateCaption("A cat on a sofa. The cat is asleep.", ["couch"]);
        var scores = ChairEvaluator.Score([caption]);

        Assert.Equal([("cat", MentionVerdict.Hallucinated), ("couch", MentionVerdict.Correct), ("cat", MentionVerdict.Hallucinated)],
            caption.Mentions.Select(m => (m.EvaluatedAs, m.Verdict)));
        Assert.Equal(new ChairScores(Captions: 1, HallucinatedCaptions: 1, Mentions: 3, HallucinatedMentions: 2, GroundTruthObjects: 1, RecalledObjects: 1), scores);
        Assert.Equal(2.0 / 3, scores.ChairI, 12);
        Assert.Equal(["cat"], caption.HallucinatedObjects);
    }

    [Fact]
    public void StrictMatching_ReadsCaptionsLikeTheReferenceEvaluator()
    {
        var strict = new ChairEvaluator(matching: ChairMatching.Strict);
        var extended = new ChairEvaluator(matching: ChairMatching.Extended);
        const string caption = "A school bus and a cowboy hat.";

        var s = strict.EvaluateCaption(caption, ["bus"]);
        var e = extended.EvaluateCaption(caption, ["bus"]);

        // CHAIR: "bus" is a bus, "cowboy" a person (hallucinated). Extended: school bus -> bus; a cowboy hat is no person.
        Assert.Equal([("bus", MentionVerdict.Correct), ("person", MentionVerdict.Hallucinated)], s.Mentions.Select(m => (m.EvaluatedAs, m.Verdict)));
        Assert.Equal([("bus", MentionVerdict.Correct), (null, MentionVerdict.NotEvaluated)], e.Mentions.Select(m => (m.EvaluatedAs, m.Verdict)));
    }

    [Fact]
    public void Scores_AddUpOverBatches()
    {
        var evaluator = new ChairEvaluator();
        var a = evaluator.Evaluate([("A dog.", ["dog"])]);
        var b = evaluator.Evaluate([("A cat.", ["dog"])]);

        Assert.Equal(evaluator.Evaluate([("A dog.", ["dog"]), ("A cat.", ["dog"])]), a.Add(b));
        Assert.Equal(ChairScores.Empty, evaluator.Evaluate([]));
        Assert.Equal(0, ChairScores.Empty.ChairI);
    }

    [Fact]
    public void PlainEntityListWithoutCocoSources_NeedsTheAllEntitiesVocabulary()
    {
        var set = EntitySet.Parse(new StringReader("cone\nbarrier\n"));

        Assert.Throws<ArgumentException>(() => new ChairEvaluator(set));
        var evaluator = new ChairEvaluator(set, ChairMatching.Extended, ChairVocabulary.AllEntities);
        Assert.Equal(1.0, evaluator.Evaluate([("Two cones and a barrier.", ["cone"])]).ChairS);
    }
}
