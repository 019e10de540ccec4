using System.Text.Json.Serialization;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;

namespace FiSAO.Trainer.Demo;

/// <summary>Which absent object a hallucinating warm-up caption names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HallucinationHabit>))]
public enum HallucinationHabit
{
    /// <summary>
    /// A language prior, as real captioners learn one: a few objects are "usually seen with" a companion (a moon with a
    /// star), and captions of scenes with the first but not the second often name the companion right after it. The
    /// habit is strong where it applies, so the policy's most likely caption shows it (greedy decoding).
    /// </summary>
    CoOccurrence,

    /// <summary>Any absent object, a different one each time, anywhere in the list: a diffuse habit that sampling shows
    /// and greedy decoding mostly hides.</summary>
    Random,
}

/// <summary>
/// The co-occurrence prior the warm-up plants: trigger objects and their companions. Companions are never triggers (no
/// chains), and each pair is visually distinct, so the verifier tells a missing companion from a present one.
/// </summary>
public static class CoOccurrencePrior
{
    public static IReadOnlyList<(ShapeNoun Trigger, ShapeNoun Companion)> Pairs { get; } =
    [
        (ShapesVocabulary.Get("moon"), ShapesVocabulary.Get("star")),
        (ShapesVocabulary.Get("house"), ShapesVocabulary.Get("tree")),
        (ShapesVocabulary.Get("ball"), ShapesVocabulary.Get("box")),
        (ShapesVocabulary.Get("goose"), ShapesVocabulary.Get("leaf")),
    ];

    /// <summary>The pairs whose trigger is in the scene and whose companion is not.</summary>
    public static IReadOnlyList<(ShapeNoun Trigger, ShapeNoun Companion)> Applicable(Scene scene) =>
        [.. Pairs.Where(p => scene.Objects.ContainsKey(p.Trigger.Name) && !scene.Objects.ContainsKey(p.Companion.Name))];

    /// <summary>The caption with one applicable companion inserted after its trigger, or null when no pair applies.</summary>
    public static CaptionSample? Caption(Scene scene, SceneRandom rng)
    {
        var applicable = Applicable(scene);
        if (applicable.Count == 0) return null;
        var (trigger, companion) = applicable[rng.Next(applicable.Count)];
        return CaptionWriter.WithObjectAfter(scene, companion, trigger, rng);
    }

    /// <summary>Whether a hallucinated object is the companion of an object the scene holds (the habit explains it).</summary>
    public static bool Explains(string hallucinated, IReadOnlyCollection<string> sceneObjects) =>
        Pairs.Any(p => p.Companion.Name == hallucinated && sceneObjects.Contains(p.Trigger.Name));

    public static string Describe() => string.Join(", ", Pairs.Select(p => $"{p.Trigger.Name} -> {p.Companion.Name}"));
}
