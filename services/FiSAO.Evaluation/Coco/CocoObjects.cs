using FiSAO.Rewards.Chair;

namespace FiSAO.Evaluation.Coco;

/// <summary>Ground truth of one image in the evaluator's vocabulary.</summary>
/// <param name="Image">The image.</param>
/// <param name="Instances">Objects from its instance annotations (category names mapped through the entity set), in
/// annotation order, each once: what POPE's questions are built from.</param>
/// <param name="Objects">Instances plus the objects its reference captions name (read as CHAIR reads a caption): what
/// CHAIR judges a caption against, as Rohrbach et al. do.</param>
public sealed record ImageObjects(CocoImage Image, IReadOnlyList<string> Instances, IReadOnlyList<string> Objects);

/// <summary>
/// Per-image object sets of a COCO split in the entity set's canonical names (COCO classes for the COCO vocabulary,
/// canonical entities for <see cref="ChairVocabulary.AllEntities"/>): instance categories through the entity set's
/// synonyms ("motorbike" -> motorcycle; unknown names are dropped), plus, as CHAIR's evaluator builds its ground truth, the
/// objects named by the image's reference captions (synonyms, plurals and CHAIR's special cases: "baby elephant" is an
/// elephant, "toilet seat" a toilet).
/// </summary>
public sealed class CocoObjects(ChairEvaluator chair)
{
    public ChairEvaluator Chair { get; } = chair;

    public ImageObjects Of(CocoDataset dataset, CocoImage image)
    {
        var instances = new List<string>();
        foreach (var name in dataset.CategoryNames(image.Id))
            if (Chair.Classifier.ObjectOf(Chair.Classifier.Entities.Canonicalize(name)) is { } o && !instances.Contains(o)) instances.Add(o);
        var objects = new List<string>(instances);
        foreach (var caption in dataset.CaptionsOf(image.Id))
            foreach (var m in Chair.EvaluateCaption(caption, []).Mentions)
                if (m.EvaluatedAs is { } o && !objects.Contains(o)) objects.Add(o);
        return new ImageObjects(image, instances, objects);
    }

    /// <summary>Every image of the split with its objects, in the file's order.</summary>
    public IReadOnlyList<ImageObjects> All(CocoDataset dataset) => [.. dataset.Images.Select(i => Of(dataset, i))];
}
