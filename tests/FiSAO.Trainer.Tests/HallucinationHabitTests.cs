using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using FiSAO.Trainer.Demo;

namespace FiSAO.Trainer.Tests;

/// <summary>The warm-up's hallucination habits: about the configured share of captions name one absent object, and the
/// co-occurrence habit names a companion right after its trigger.</summary>
public sealed class HallucinationHabitTests
{
    private static readonly Lazy<Scene[]> Pool = new(() => new SceneGenerator(31).Generate(0, 2000));

    private static List<(Scene Scene, CaptionSample? Caption)> Captions(HallucinationHabit habit, double share)
    {
        var habitOf = ShapesPolicy.HallucinatedCaptions(Pool.Value, new WarmUpOptions { Habit = habit, HallucinatedShare = share }, _ => { });
        var random = new Random(3);
        return [.. Pool.Value.Select(s => (s, habitOf(s, random.NextDouble(), SceneRandom.For(3, s.Index, 11))))];
    }

    [Theory]
    [InlineData(HallucinationHabit.CoOccurrence)]
    [InlineData(HallucinationHabit.Random)]
    public void About_the_configured_share_of_captions_name_one_absent_object(HallucinationHabit habit)
    {
        var captions = Captions(habit, 0.25);
        var hallucinated = captions.Where(c => c.Caption is not null).ToList();
        Assert.InRange(hallucinated.Count / (double)captions.Count, 0.22, 0.28);
        Assert.All(hallucinated, c =>
        {
            var invented = c.Caption!.Mentions.Where(m => m.Hallucinated).ToList();
            Assert.Single(invented);
            Assert.False(c.Scene.Objects.ContainsKey(invented[0].Noun.Name));
        });
    }

    [Fact]
    public void The_co_occurrence_habit_names_a_missing_companion_right_after_its_trigger()
    {
        var companions = CoOccurrencePrior.Pairs.ToDictionary(p => p.Companion.Name, p => p.Trigger.Name);
        var hallucinated = Captions(HallucinationHabit.CoOccurrence, 0.25).Where(c => c.Caption is not null).ToList();
        Assert.NotEmpty(hallucinated);
        Assert.All(hallucinated, c =>
        {
            var names = c.Caption!.Mentions.Select(m => m.Noun.Name).ToList();
            var at = c.Caption.Mentions.ToList().FindIndex(m => m.Hallucinated);
            Assert.True(companions.TryGetValue(names[at], out var trigger), $"'{names[at]}' is no companion");
            Assert.Equal(trigger, names[at - 1]);
        });
        // Scenes that hold both a trigger and its companion (or no trigger) are never captioned with the habit.
        Assert.All(hallucinated, c => Assert.NotEmpty(CoOccurrencePrior.Applicable(c.Scene)));
    }

    [Fact]
    public void A_share_the_co_occurrence_habit_cannot_reach_is_refused_with_the_reason()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Captions(HallucinationHabit.CoOccurrence, 0.9));
        Assert.Contains("trigger without its companion", e.Message);
    }
}
