using System.Text.Json;
using FiSAO.Evaluation.Coco;
using FiSAO.Evaluation.Pope;
using FiSAO.Evaluation.Reports;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Tests.Support;

namespace FiSAO.Trainer.Tests;

public class CocoEvaluateTests
{
    /// <summary>Five (times repeat) real PNG images (shapes scenes) labelled with COCO categories the tiny policy's words can name (cat, dog).</summary>
    internal static string WriteCoco(string split = "val2014", int repeat = 1)
    {
        var directory = TestDirectories.New("coco");
        string[][] once = [["cat", "dog", "person"], ["dog", "car", "bench"], ["cat", "bus", "car"], ["person", "bird", "chair"], ["cat"]];
        var labels = Enumerable.Repeat(once, repeat).SelectMany(x => x).ToArray();
        var scenes = new SceneGenerator(11, new SceneOptions { ImageSize = 32 }).Generate(0, labels.Length);
        var folder = Directory.CreateDirectory(CocoDataset.ImageFolder(directory, split)).FullName;
        var images = scenes.Select((s, i) => new CocoImage(10 + i, $"COCO_{split}_{i:D12}.png", 32, 32)).ToList();
        foreach (var (scene, image) in scenes.Zip(images)) File.WriteAllBytes(Path.Combine(folder, image.FileName), scene.ToPng());
        string[] names = ["cat", "dog", "person", "car", "bench", "bus", "bird", "chair"];
        var annotations = labels.SelectMany((l, i) => l.Select(c => (Image: images[i].Id, Category: Array.IndexOf(names, c) + 1)))
            .Select((a, k) => new CocoAnnotation(k + 1, a.Image, a.Category, [0, 0, 8, 8], 64)).ToList();
        CocoWriter.Write(directory, split, images, [.. names.Select((n, i) => new CocoCategory(i + 1, n, "thing"))], annotations,
            [new CocoCaption(1, 10, "A cat on a mat next to a laptop.")], "test");
        return directory;
    }

    [Fact]
    public void Evaluate_all_writes_chair_and_three_pope_splits_whose_numbers_follow_from_its_items()
    {
        var coco = WriteCoco();
        var output = Path.Combine(TestDirectories.New("evaluate"), "base.json");

        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(3), "evaluate", "--benchmark", "all", "--policy", TinyPolicy.Directory,
            "--coco", coco, "--images", "4", "--pope-images", "4", "--max-new-tokens", "12", "--seed", "5", "--out", output);

        Assert.True(code == 0, text);
        var summary = EvaluationSummary.Load(output);
        var lines = File.ReadAllLines(BenchmarkOptions.ItemsPath(output)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // CHAIR: 4 of the 5 images, one caption each; CHAIR_i = hallucinated mention lines / judged mention lines.
        var captions = lines.Where(l => l.GetProperty("benchmark").GetString() == "chair").ToList();
        Assert.Equal(4, captions.Count);
        Assert.Equal(summary.Chair!.ImageIds, captions.Select(c => c.GetProperty("image_id").GetInt64()));
        var verdicts = captions.SelectMany(c => c.GetProperty("mentions").EnumerateArray().Select(m => m.GetProperty("verdict").GetString())).ToList();
        Assert.Equal(verdicts.Count(v => v != "not_evaluated"), summary.Chair.Mentions);
        Assert.Equal(verdicts.Count(v => v == "hallucinated"), summary.Chair.HallucinatedMentions);
        Assert.Equal(captions.Count(c => c.GetProperty("hallucinated").GetArrayLength() > 0) / 4.0, summary.Chair.ChairS, 12);
        // POPE: 4 images x 6 questions per split; each line carries what the metrics counted, parsed as POPE parses.
        Assert.Equal(["adversarial", "popular", "random"], summary.Pope!.Keys);
        foreach (var split in summary.Pope.Keys)
        {
            var questions = lines.Where(l => l.GetProperty("benchmark").GetString() == $"pope-{split}").ToList();
            Assert.Equal(24, questions.Count);
            foreach (var q in questions)
            {
                foreach (var field in new[] { "question_id", "image", "object", "question", "label", "answer", "parsed" }) Assert.True(q.TryGetProperty(field, out _), field);
                Assert.Equal(PopeAnswer.Parse(q.GetProperty("answer").GetString()!), q.GetProperty("parsed").GetString());
                Assert.StartsWith("Is there a", q.GetProperty("question").GetString());
            }
            Assert.Equal(PopeMetrics.Of(questions.Select(q => (q.GetProperty("label").GetString()!, q.GetProperty("parsed").GetString()!))), summary.Pope[split]);
            Assert.Equal(12, questions.Count(q => q.GetProperty("label").GetString() == "yes"));
        }

        // The same seed draws the same images; compare puts the two side by side.
        var again = Path.Combine(Path.GetDirectoryName(output)!, "again.json");
        Assert.Equal(0, TrainerProcess.Run(TimeSpan.FromMinutes(2), "evaluate", "--benchmark", "chair", "--policy", TinyPolicy.Directory,
            "--coco", coco, "--images", "4", "--max-new-tokens", "12", "--seed", "5", "--out", again).ExitCode);
        Assert.Equal(summary.Chair with { ImageIds = [] }, EvaluationSummary.Load(again).Chair! with { ImageIds = [] });
        Assert.Equal(summary.Chair.ImageIds, EvaluationSummary.Load(again).Chair!.ImageIds);
        var (compareCode, table) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "compare", output, again, "--names", "base,again");
        Assert.Equal(0, compareCode);
        Assert.Contains("| metric | base | again |", table);
        Assert.Contains($"| CHAIR_i (%) ↓ | {100 * summary.Chair.ChairI:F1} | {100 * summary.Chair.ChairI:F1} |", table);
        Assert.Contains("| POPE adversarial F1 (%) ↑ |", table);
    }

    [Fact]
    public void Evaluate_with_a_pope_file_naming_an_image_the_split_lacks_exits_with_the_file_and_field()
    {
        var coco = WriteCoco();
        var questions = Path.Combine(TestDirectories.New("pope"), "coco_pope_random.json");
        File.WriteAllText(questions, """{"question_id": 1, "image": "COCO_val2014_000000000999.jpg", "text": "Is there a dog in the image?", "label": "yes"}""" + "\n");

        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(2), "evaluate", "--benchmark", "pope", "--split", "random", "--policy", TinyPolicy.Directory,
            "--coco", coco, "--pope-questions", questions, "--out", Path.Combine(TestDirectories.New("evaluate"), "x.json"));

        Assert.Equal(1, code);
        Assert.Contains($"{questions}: question 1: field 'image' 'COCO_val2014_000000000999.jpg' is no image of", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    [Fact]
    public void Evaluate_on_a_folder_without_the_split_exits_2_naming_the_instances_file()
    {
        var coco = WriteCoco("val2017");

        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "evaluate", "--benchmark", "chair", "--policy", TinyPolicy.Directory,
            "--coco", coco, "--out", Path.Combine(TestDirectories.New("evaluate"), "x.json"));

        Assert.Equal(2, code);
        Assert.Contains("instances_val2014.json does not exist", text);
    }
}
