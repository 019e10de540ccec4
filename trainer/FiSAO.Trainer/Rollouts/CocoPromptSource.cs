using FiSAO.Evaluation.Coco;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;
using FiSAO.Trainer.Configuration;

namespace FiSAO.Trainer.Rollouts;

/// <summary>One image of a COCO split with the prompt to ask about it and its ground-truth objects.</summary>
public sealed record CocoPrompt(CocoImage Image, string ImagePath, string Prompt, IReadOnlyList<string> Objects);

/// <summary>Prompts about COCO images (images read from disk when used; the objects are the image's CHAIR ground truth).</summary>
public sealed class CocoPromptSource(IReadOnlyList<CocoPrompt> prompts) : IPromptSource
{
    public int Count => prompts.Count;

    public IReadOnlyList<CocoPrompt> Prompts => prompts;

    public PromptSample Get(int index)
    {
        var p = prompts[index];
        return new PromptSample(index, File.ReadAllBytes(p.ImagePath), p.Prompt, p.Objects);
    }

    /// <summary>
    /// <paramref name="count"/> images of the split drawn with <paramref name="seed"/> (all of them, in file order, when
    /// count is 0 or at least the split's size), each with <paramref name="prompt"/> and its objects.
    /// </summary>
    public static CocoPromptSource Sample(CocoDataset dataset, CocoObjects objects, int count, long seed, string prompt)
    {
        IEnumerable<CocoImage> images = dataset.Images;
        if (count > 0 && count < dataset.Images.Count)
        {
            var order = dataset.Images.ToArray();
            new Random(Training.Seeds.DeriveInt(seed, 0xc0c0)).Shuffle(order);
            images = order.Take(count).OrderBy(i => i.Id);
        }
        return new CocoPromptSource([.. images.Select(i => new CocoPrompt(i, dataset.ImagePath(i), prompt, objects.Of(dataset, i).Objects))]);
    }

    /// <summary><c>data.kind: coco</c>: every image of the split (the first max_samples when set) with the fixed prompt or
    /// the prompts file's line i mod count, its objects attached.</summary>
    public static CocoPromptSource FromSettings(DataSettings data)
    {
        var dataset = CocoReader.Read(data.Path!, data.CocoSplit);
        var objects = Objects(data);
        var prompts = PromptList(data);
        var images = data.MaxSamples > 0 ? dataset.Images.Take(data.MaxSamples) : dataset.Images;
        return new CocoPromptSource([.. images.Select((image, i) => new CocoPrompt(image, dataset.ImagePath(image), prompts[i % prompts.Count], objects.Of(dataset, image).Objects))]);
    }

    /// <summary>
    /// Rows of a file source that carry no objects get those of the COCO image with their file name (data.coco_objects,
    /// split data.coco_split): LLaVA-Instruct-150k's images are COCO train2017 images, so its rows get ground truth for
    /// Eq. 7 and the hallucination metrics. Without data.coco_objects the source is returned as it is.
    /// </summary>
    public static IPromptSource AttachObjects(FilePromptSource source, DataSettings data)
    {
        if (data.CocoObjects is null) return source;
        var dataset = CocoReader.Read(data.CocoObjects, data.CocoSplit);
        var objects = Objects(data);
        var byName = dataset.Images.ToDictionary(i => i.FileName, StringComparer.Ordinal);
        return new FilePromptSource([.. source.Entries.Select(e => e.Objects is null && byName.TryGetValue(Path.GetFileName(e.Image), out var image)
            ? (e.Image, e.Prompt, objects.Of(dataset, image).Objects)
            : e)]);
    }

    private static CocoObjects Objects(DataSettings data) => new(data.Entities is null
        ? new ChairEvaluator()
        : new ChairEvaluator(EntitySet.Load(data.Entities), ChairMatching.Extended, ChairVocabulary.AllEntities));

    private static IReadOnlyList<string> PromptList(DataSettings data)
    {
        if (data.PromptsFile is null) return [data.Prompt];
        var lines = File.ReadAllLines(data.PromptsFile).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim()).ToList();
        return lines.Count > 0 ? lines : throw new TrainerConfigException($"data.prompts_file: {data.PromptsFile} holds no prompts.");
    }
}
