using FiSAO.Evaluation.Coco;

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
}
