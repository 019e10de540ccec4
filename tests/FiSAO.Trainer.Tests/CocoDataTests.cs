using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rollouts;
using FiSAO.Trainer.Tests.Support;

namespace FiSAO.Trainer.Tests;

public class CocoDataTests
{
    [Fact]
    public void Data_kind_coco_gives_every_image_of_the_split_with_its_prompt_and_objects()
    {
        var coco = CocoEvaluateTests.WriteCoco("train2017");
        var prompts = Path.Combine(TestDirectories.New("prompts"), "prompts.txt");
        File.WriteAllLines(prompts, ["Describe this image.", "", "What is in the picture?"]);

        var source = PromptSources.Create(new DataSettings { Kind = "coco", Path = coco, PromptsFile = prompts });

        Assert.Equal(5, source.Count);
        // Instances first, then what the reference caption names ("A cat on a mat next to a laptop": mat is no COCO class).
        Assert.Equal(["cat", "dog", "person", "laptop"], source.Get(0).Objects);
        Assert.Equal(["dog", "car", "bench"], source.Get(1).Objects);
        Assert.Equal(["Describe this image.", "What is in the picture?", "Describe this image."], Enumerable.Range(0, 3).Select(i => source.Get(i).Prompt));
        Assert.Equal(File.ReadAllBytes(Path.Combine(coco, "train2017", "COCO_train2017_000000000001.png")), source.Get(1).Image);
    }

    [Fact]
    public void Llava_instruct_rows_whose_image_is_a_coco_image_get_its_objects()
    {
        var coco = CocoEvaluateTests.WriteCoco("train2017");
        var folder = TestDirectories.New("llava-instruct");
        var json = Path.Combine(folder, "llava_instruct_150k.json");
        File.WriteAllText(json, """
            [
              {"id": "1", "image": "COCO_train2017_000000000002.png", "conversations": [{"from": "human", "value": "<image>\nWhat vehicles are there?"}, {"from": "gpt", "value": "A bus and a car."}]},
              {"id": "2", "image": "elsewhere.png", "conversations": [{"from": "human", "value": "What is this?\n<image>"}, {"from": "gpt", "value": "A cat."}]}
            ]
            """);

        var source = PromptSources.Create(new DataSettings
        {
            Kind = "llava-instruct", Path = json, ImageRoot = Path.Combine(coco, "train2017"), CocoObjects = coco, CocoSplit = "train2017",
        });

        Assert.Equal(2, source.Count);
        Assert.Equal("What vehicles are there?", source.Get(0).Prompt);
        Assert.Equal(["cat", "bus", "car"], source.Get(0).Objects);
        Assert.Null(((FilePromptSource)source).Entries[1].Objects);
    }

    [Fact]
    public void Data_kind_coco_is_accepted_by_the_config_and_its_paths_resolve_against_the_config()
    {
        var directory = TestDirectories.New("coco-config");
        var path = Path.Combine(directory, "c.json");
        File.WriteAllText(path, """{ "policy": { "model": "policy" }, "data": { "kind": "coco", "path": "coco", "coco_split": "val2017", "entities": "e.txt" }, "run": { "output_dir": "out" }, "reward": { "source": "toy-token", "toy_piece": "▁a" } }""");

        var config = TrainerConfigLoader.Load(path);

        Assert.Equal(Path.Combine(directory, "coco"), config.Data.Path);
        Assert.Equal(Path.Combine(directory, "e.txt"), config.Data.Entities);
        Assert.Equal("val2017", config.Data.CocoSplit);
    }
}
