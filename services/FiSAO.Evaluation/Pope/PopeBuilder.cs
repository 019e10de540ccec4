using FiSAO.Evaluation.Coco;

namespace FiSAO.Evaluation.Pope;

/// <summary>
/// Builds POPE's questions from annotated images exactly as POPE's <c>main.py</c>/<c>utils.py</c> do: take the images with
/// at least <c>samplesPerImage</c> (3) objects, draw <c>images</c> of them (seeded), count object frequency and pairwise
/// co-occurrence over the drawn images; then per image, for each of its first 3 objects, a "yes" question about it followed
/// by a "no" question about one absent object not asked yet: random (any object of the drawn images), popular (the most
/// frequent one), or adversarial (the one co-occurring most often with that present object; ties keep first-seen order,
/// as Python's stable sort; when none is left, a random one, as POPE falls back). Question ids run from 1.
/// </summary>
public static class PopeBuilder
{
    public const int DefaultSamplesPerImage = 3;

    public static IReadOnlyList<PopeQuestion> Build(IReadOnlyList<ImageObjects> images, PopeSplit split, int imageCount, long seed,
        int samplesPerImage = DefaultSamplesPerImage)
    {
        var eligible = images.Where(i => i.Instances.Count >= samplesPerImage).ToList();
        if (eligible.Count < imageCount)
            throw new InvalidDataException($"POPE needs {imageCount} images with at least {samplesPerImage} annotated objects; the split has {eligible.Count}.");
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var drawn = Sample(eligible, imageCount, random);
        return Questions(drawn, split, samplesPerImage, random);
    }

    /// <summary>The questions for these images, in this order (the frequency and co-occurrence counts are theirs).</summary>
    public static IReadOnlyList<PopeQuestion> Questions(IReadOnlyList<ImageObjects> drawn, PopeSplit split, int samplesPerImage, Random random)
    {
        // Frequency in first-seen order, then a stable sort (Python's dict + sorted(..., reverse=True) keeps ties in
        // insertion order).
        var frequency = new Dictionary<string, int>();
        var order = new List<string>();
        var coOccurrence = new Dictionary<string, (Dictionary<string, int> Counts, List<string> Order)>();
        foreach (var image in drawn)
        {
            foreach (var o in image.Instances)
            {
                if (!frequency.ContainsKey(o)) { frequency[o] = 0; order.Add(o); }
                frequency[o]++;
                if (!coOccurrence.TryGetValue(o, out var co)) coOccurrence[o] = co = ([], []);
                foreach (var other in image.Instances)
                {
                    if (other == o) continue;
                    if (!co.Counts.ContainsKey(other)) { co.Counts[other] = 0; co.Order.Add(other); }
                    co.Counts[other]++;
                }
            }
        }
        var popular = order.OrderByDescending(o => frequency[o]).ToList();
        var allObjects = order;

        var questions = new List<PopeQuestion>();
        long id = 1;
        foreach (var image in drawn)
        {
            var asked = new HashSet<string>();
            for (var i = 0; i < samplesPerImage; i++)
            {
                var present = image.Instances[i];
                asked.Add(present);
                questions.Add(new PopeQuestion(id++, image.Image.FileName, PopeQuestion.Ask(present), PopeQuestion.Yes, present));
                bool Absent(string o) => !asked.Contains(o) && !image.Instances.Contains(o);
                var candidates = split switch
                {
                    PopeSplit.Popular => popular,
                    PopeSplit.Adversarial => coOccurrence[present].Order.OrderByDescending(o => coOccurrence[present].Counts[o]).ToList(),
                    _ => [],
                };
                var negative = candidates.FirstOrDefault(Absent);
                if (negative is null)
                {
                    if (!allObjects.Any(Absent))
                        throw new InvalidDataException($"POPE: image '{image.Image.FileName}' has every object of the drawn images; no absent object to ask about.");
                    do negative = allObjects[random.Next(allObjects.Count)]; while (!Absent(negative));
                }
                asked.Add(negative);
                questions.Add(new PopeQuestion(id++, image.Image.FileName, PopeQuestion.Ask(negative), PopeQuestion.No, negative));
            }
        }
        return questions;
    }

    /// <summary>k of the items without replacement, in draw order (as Python's random.sample).</summary>
    private static List<T> Sample<T>(IReadOnlyList<T> items, int k, Random random)
    {
        var pool = items.ToArray();
        var result = new List<T>(k);
        for (var i = 0; i < k; i++)
        {
            var j = i + random.Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
            result.Add(pool[i]);
        }
        return result;
    }
}
