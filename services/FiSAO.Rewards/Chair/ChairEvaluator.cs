using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Chair;

/// <summary>Which surface forms find the mentions of a caption given as text.</summary>
public enum ChairMatching
{
    /// <summary>CHAIR's own vocabulary only (<see cref="EntitySet.ChairSubset"/>: the COCO synonym list, its
    /// inflections and qualifier phrases), as the reference evaluator reads captions: "school bus" is a bus mention,
    /// "microwave oven" two mentions. Use it for numbers comparable with published CHAIR.</summary>
    Strict = 0,

    /// <summary>The whole entity set (the verifier's view): "school bus" is one mention of the LVIS entity school bus,
    /// judged as bus through <see cref="EntitySet.CocoClassOf"/>; "cowboy hat" is a hat, not a person.</summary>
    Extended,
}

/// <summary>CHAIR result of one caption.</summary>
/// <param name="Mentions">Its mentions with verdicts.</param>
/// <param name="GroundTruth">The image's objects in the evaluator's vocabulary.</param>
public sealed record CaptionChair(IReadOnlyList<ClassifiedMention> Mentions, IReadOnlySet<string> GroundTruth)
{
    /// <summary>Mentions judged (correct + hallucinated); every occurrence counts, as in CHAIR_i.</summary>
    public int EvaluatedMentions => Mentions.Count(m => m.Verdict != MentionVerdict.NotEvaluated);

    /// <summary>Hallucinated mention occurrences.</summary>
    public int HallucinatedMentions => Mentions.Count(m => m.Verdict == MentionVerdict.Hallucinated);

    /// <summary>True when at least one mention is hallucinated (counts toward CHAIR_s).</summary>
    public bool HasHallucination => Mentions.Any(m => m.Verdict == MentionVerdict.Hallucinated);

    /// <summary>Ground-truth objects the caption mentions (correctly).</summary>
    public IReadOnlySet<string> RecalledObjects =>
        Mentions.Where(m => m.Verdict == MentionVerdict.Correct).Select(m => m.EvaluatedAs!).ToHashSet(StringComparer.Ordinal);

    /// <summary>Distinct hallucinated objects.</summary>
    public IReadOnlySet<string> HallucinatedObjects =>
        Mentions.Where(m => m.Verdict == MentionVerdict.Hallucinated).Select(m => m.EvaluatedAs!).ToHashSet(StringComparer.Ordinal);
}

/// <summary>CHAIR scores over a set of captions.</summary>
/// <param name="Captions">Captions scored.</param>
/// <param name="HallucinatedCaptions">Captions with at least one hallucinated mention.</param>
/// <param name="Mentions">Evaluated mention occurrences (correct + hallucinated).</param>
/// <param name="HallucinatedMentions">Hallucinated mention occurrences.</param>
/// <param name="GroundTruthObjects">Sum over captions of distinct ground-truth objects (in the vocabulary).</param>
/// <param name="RecalledObjects">Sum over captions of distinct ground-truth objects mentioned.</param>
public sealed record ChairScores(int Captions, int HallucinatedCaptions, int Mentions, int HallucinatedMentions, int GroundTruthObjects, int RecalledObjects)
{
    /// <summary>CHAIR_s = captions with a hallucinated object / captions (0 when there are none).</summary>
    public double ChairS => Captions == 0 ? 0 : (double)HallucinatedCaptions / Captions;

    /// <summary>CHAIR_i = hallucinated mentions / all evaluated mentions (0 when there are none).</summary>
    public double ChairI => Mentions == 0 ? 0 : (double)HallucinatedMentions / Mentions;

    /// <summary>Object recall = recalled ground-truth objects / ground-truth objects, micro-averaged (0 when none).</summary>
    public double Recall => GroundTruthObjects == 0 ? 0 : (double)RecalledObjects / GroundTruthObjects;

    /// <summary>Scores of the union of two disjoint caption sets (for accumulating in batches).</summary>
    public ChairScores Add(ChairScores other) => new(Captions + other.Captions, HallucinatedCaptions + other.HallucinatedCaptions,
        Mentions + other.Mentions, HallucinatedMentions + other.HallucinatedMentions,
        GroundTruthObjects + other.GroundTruthObjects, RecalledObjects + other.RecalledObjects);

    public static ChairScores Empty { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>
/// CHAIR_s / CHAIR_i / object recall over captions and their images' ground-truth objects (the trainer's
/// evaluation, paper section 6: 500 COCO val images). Thread-safe.
/// </summary>
public sealed class ChairEvaluator
{
    private readonly MentionFinder _finder;

    /// <param name="entities">Entity set (default <see cref="EntitySet.Default"/>).</param>
    /// <param name="matching">How captions given as text are read (default: strict CHAIR).</param>
    /// <param name="vocabulary">What the ground truth covers (default: COCO classes).</param>
    public ChairEvaluator(EntitySet? entities = null, ChairMatching matching = ChairMatching.Strict, ChairVocabulary vocabulary = ChairVocabulary.Coco)
    {
        Classifier = new ChairClassifier(entities, vocabulary);
        Matching = matching;
        _finder = new MentionFinder(matching == ChairMatching.Strict ? Classifier.Entities.ChairSubset : Classifier.Entities);
    }

    public ChairClassifier Classifier { get; }

    public ChairMatching Matching { get; }

    /// <summary>Finds the mentions of a caption (per <see cref="Matching"/>) and classifies them.</summary>
    public CaptionChair EvaluateCaption(string caption, IEnumerable<string> groundTruth) =>
        EvaluateMentions(_finder.FindInText(caption).Mentions, groundTruth);

    /// <summary>Classifies mentions found elsewhere (e.g. by the verifier on the policy's tokens).</summary>
    public CaptionChair EvaluateMentions(IReadOnlyList<EntityMention> mentions, IEnumerable<string> groundTruth)
    {
        var gt = Classifier.CanonicalizeGroundTruth(groundTruth).Objects;
        return new CaptionChair(Classifier.Classify(mentions, gt), gt);
    }

    /// <summary>Evaluates captions given as text with their ground truth.</summary>
    public ChairScores Evaluate(IEnumerable<(string Caption, IEnumerable<string> GroundTruth)> items) =>
        Score(items.Select(i => EvaluateCaption(i.Caption, i.GroundTruth)));

    /// <summary>Aggregates per-caption results into CHAIR_s, CHAIR_i and recall.</summary>
    public static ChairScores Score(IEnumerable<CaptionChair> captions)
    {
        int n = 0, hallCaps = 0, mentions = 0, hallMentions = 0, gt = 0, recalled = 0;
        foreach (var c in captions)
        {
            n++;
            if (c.HasHallucination) hallCaps++;
            mentions += c.EvaluatedMentions;
            hallMentions += c.HallucinatedMentions;
            gt += c.GroundTruth.Count;
            recalled += c.RecalledObjects.Count(c.GroundTruth.Contains);
        }
        return new ChairScores(n, hallCaps, mentions, hallMentions, gt, recalled);
    }
}
