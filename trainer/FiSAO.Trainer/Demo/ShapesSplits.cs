using System.Text.Json;
using FiSAO.Evaluation.Coco;
using FiSAO.ShapesWorld.Scenes;

namespace FiSAO.Trainer.Demo;

/// <summary>One of the demo's scene sets: a COCO-format split of the shapes world drawn with its own seed.</summary>
public sealed record ShapesSplit(string Name, long Seed, int Scenes);

/// <summary>
/// The shapes demo's three disjoint scene sets (issue 13): <c>train</c> = the PPO prompts (and the warm-up policy's
/// responses the verifier is calibrated on: data the method fits), <c>val</c> = validation, where every setting is
/// chosen, and <c>test</c> = reported numbers only. Seeds are <see cref="CocoExport.DefaultSeeds"/>, so
/// <c>fisao-shapes export-coco --split X</c> writes the same scenes; the shapes evaluation renders the same scenes from the
/// seed.
/// </summary>
public sealed record ShapesSplits(ShapesSplit Train, ShapesSplit Validation, ShapesSplit Test)
{
    public const int TrainScenes = 4000;

    public static ShapesSplits Create(int validationScenes, int testScenes) => new(
        new("train", CocoExport.DefaultSeeds["train"], TrainScenes),
        new("val", CocoExport.DefaultSeeds["val"], validationScenes),
        new("test", CocoExport.DefaultSeeds["test"], testScenes));

    public IReadOnlyList<ShapesSplit> All => [Train, Validation, Test];

    /// <summary>For results.json: each split's seed and size.</summary>
    public IReadOnlyDictionary<string, object> Describe() => All.ToDictionary(s => s.Name, s => (object)new { seed = s.Seed, scenes = s.Scenes });

    /// <summary>Writes every split into <paramref name="coco"/> unless a marker says it holds the same scenes already.</summary>
    public void Export(string coco, Action<string> log)
    {
        foreach (var split in All)
        {
            var marker = Path.Combine(coco, "annotations", $"split_{split.Name}.json");
            var expected = JsonSerializer.Serialize(new { seed = split.Seed, scenes = split.Scenes });
            if (File.Exists(marker) && File.ReadAllText(marker) == expected && File.Exists(CocoDataset.InstancesPath(coco, split.Name))) continue;
            CocoExport.Write(coco, split.Name, split.Scenes, split.Seed);
            File.WriteAllText(marker, expected);
            log($"data: COCO-format split {split.Name} ({split.Scenes} scenes, seed {split.Seed}) in {coco}");
        }
    }
}
