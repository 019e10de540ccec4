using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Entities;

namespace FiSAO.Rewards.Chair;

/// <summary>Verdict on one entity mention against an image's ground-truth objects.</summary>
public enum MentionVerdict
{
    /// <summary>The mention's object is in the image.</summary>
    Correct,

    /// <summary>The mention's object is judgeable but not in the image.</summary>
    Hallucinated,

    /// <summary>Not judged: the object is outside the ground truth's vocabulary (an LVIS-only object against COCO
    /// labels), or a caption rule excludes the mention ("seat" in a caption that mentions a toilet).</summary>
    NotEvaluated,
}

/// <summary>Which objects the ground truth can speak for.</summary>
public enum ChairVocabulary
{
    /// <summary>COCO's 80 classes (CHAIR): a mention is judged by its COCO class
    /// (<see cref="EntitySet.CocoClassOf"/>: "school bus" -> bus); mentions of objects with no COCO class are not
    /// evaluated; ground-truth names are mapped to COCO classes, others ignored.</summary>
    Coco = 0,

    /// <summary>Every entity of the set (e.g. LVIS-labelled images): a mention is judged by its canonical entity;
    /// ground-truth names are canonicalised through the entity set.</summary>
    AllEntities,
}

/// <summary>A mention with its verdict.</summary>
/// <param name="Mention">The mention.</param>
/// <param name="EvaluatedAs">The object it was judged as (COCO class or canonical entity), null when not evaluated.</param>
/// <param name="Verdict">Correct, hallucinated, or not evaluated.</param>
public sealed record ClassifiedMention(EntityMention Mention, string? EvaluatedAs, MentionVerdict Verdict);

/// <summary>Ground-truth objects of one image, canonicalised.</summary>
/// <param name="Objects">Distinct objects in the classifier's vocabulary (COCO classes or canonical entities).</param>
/// <param name="Ignored">Input names not in the vocabulary (unknown to the entity set, or without a COCO class in
/// <see cref="ChairVocabulary.Coco"/> mode).</param>
public sealed record GroundTruthObjects(IReadOnlySet<string> Objects, IReadOnlyList<string> Ignored);

/// <summary>
/// CHAIR-style classification of entity mentions against ground truth (Rohrbach et al. 2018, as FiSAO uses it for
/// the baselines mu_gt / mu_hal of Eq. 7): a mention is CORRECT when its object is among the image's objects,
/// HALLUCINATED otherwise. CHAIR's reading rules are part of the entity set (two-word names are single forms;
/// "baby/adult X" of an animal X is X; "passenger jet/train" the vehicle; "bow tie" a tie; "toilet seat" a toilet;
/// "train track" is no train) plus one caption-level rule applied here: a "seat" mention is not evaluated when the
/// caption mentions a toilet. Thread-safe.
/// </summary>
public sealed class ChairClassifier
{
    private static readonly HashSet<string> SeatForms = new(StringComparer.Ordinal) { "seat", "seats" };

    /// <param name="entities">Entity set used to canonicalise ground truth and map mentions to COCO classes
    /// (default <see cref="EntitySet.Default"/>).</param>
    /// <param name="vocabulary">What the ground truth labels cover.</param>
    public ChairClassifier(EntitySet? entities = null, ChairVocabulary vocabulary = ChairVocabulary.Coco)
    {
        Entities = entities ?? EntitySet.Default;
        Vocabulary = vocabulary;
        if (vocabulary == ChairVocabulary.Coco && Entities.CocoClasses.Count == 0)
            throw new ArgumentException("The entity set has no COCO classes (no 'coco' sources); use ChairVocabulary.AllEntities.", nameof(vocabulary));
    }

    public EntitySet Entities { get; }

    public ChairVocabulary Vocabulary { get; }

    /// <summary>Maps ground-truth names (canonical ids, COCO/LVIS names, any surface form) into the vocabulary.</summary>
    public GroundTruthObjects CanonicalizeGroundTruth(IEnumerable<string> groundTruth)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        var objects = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var name in groundTruth)
        {
            if (string.IsNullOrWhiteSpace(name)) continue;
            var evaluatedAs = ObjectOf(Entities.Canonicalize(name));
            if (evaluatedAs is null) ignored.Add(name);
            else objects.Add(evaluatedAs);
        }
        return new GroundTruthObjects(objects, ignored);
    }

    /// <summary>The object a canonical entity is judged as in this vocabulary (null: not judgeable).</summary>
    public string? ObjectOf(string? canonical) => canonical is null ? null
        : Vocabulary == ChairVocabulary.Coco ? Entities.CocoClassOf(canonical)
        : Entities.ContainsEntity(canonical) ? canonical : null;

    /// <summary>Classifies the mentions of one caption/response against the image's ground truth.</summary>
    public IReadOnlyList<ClassifiedMention> Classify(IReadOnlyList<EntityMention> mentions, IEnumerable<string> groundTruth) =>
        Classify(mentions, CanonicalizeGroundTruth(groundTruth).Objects);

    /// <summary>Classifies mentions against ground truth already in this vocabulary (see
    /// <see cref="CanonicalizeGroundTruth"/>); use this overload to canonicalise an image's labels once.</summary>
    public IReadOnlyList<ClassifiedMention> Classify(IReadOnlyList<EntityMention> mentions, IReadOnlySet<string> groundTruthObjects)
    {
        ArgumentNullException.ThrowIfNull(mentions);
        ArgumentNullException.ThrowIfNull(groundTruthObjects);
        bool toiletMentioned = false;
        foreach (var m in mentions)
            if (m.Canonical == "toilet") { toiletMentioned = true; break; }

        var result = new ClassifiedMention[mentions.Count];
        for (int i = 0; i < mentions.Count; i++)
        {
            var m = mentions[i];
            if (toiletMentioned && SeatForms.Contains(m.Surface))
            {
                result[i] = new ClassifiedMention(m, null, MentionVerdict.NotEvaluated);
                continue;
            }
            var evaluatedAs = ObjectOf(m.Canonical);
            result[i] = evaluatedAs is null
                ? new ClassifiedMention(m, null, MentionVerdict.NotEvaluated)
                : new ClassifiedMention(m, evaluatedAs, groundTruthObjects.Contains(evaluatedAs) ? MentionVerdict.Correct : MentionVerdict.Hallucinated);
        }
        return result;
    }
}
