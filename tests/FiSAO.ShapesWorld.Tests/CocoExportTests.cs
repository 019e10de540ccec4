using FiSAO.Evaluation.Coco;
using FiSAO.Rewards.Chair;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class CocoExportTests
{
    [Fact]
    public void Export_ReadsBackThroughTheCocoReader_WithEachScenesObjectsBoxesAndCaption()
    {
        using var dir = new TempDirectory("coco-export");
        var options = new SceneOptions { ImageSize = 48 };
        var scenes = new SceneGenerator(4242, options).Generate(0, 12);

        CocoExport.Write(dir.Path, "test", 12, 4242, options);
        var coco = CocoReader.Read(dir.Path, "test");
        var objects = new CocoObjects(new ChairEvaluator(ShapesVocabulary.EntitySet, ChairMatching.Extended, ChairVocabulary.AllEntities));

        Assert.Equal(ShapesVocabulary.Nouns.Select(n => n.Name), coco.Categories.Select(c => c.Name));
        Assert.Equal(scenes.Select(s => s.FileName()), coco.Images.Select(i => i.FileName));
        Assert.Equal(scenes.Sum(s => s.Instances.Count), coco.Annotations.Count);
        for (var i = 0; i < scenes.Length; i++)
        {
            var image = coco.Images[i];
            Assert.Equal(scenes[i].ToPng(), File.ReadAllBytes(coco.ImagePath(image)));
            Assert.Equal([scenes[i].Caption], coco.CaptionsOf(image.Id));
            var truth = objects.Of(coco, image);
            Assert.Equal(scenes[i].Objects.Keys.Order(), truth.Instances.Order());
            Assert.Equal(scenes[i].Objects.Keys.Order(), truth.Objects.Order()); // the true caption adds nothing
            var instances = coco.Annotations.Where(a => a.ImageId == image.Id).ToList();
            Assert.Equal(scenes[i].Instances.Select(o => (double)o.VisiblePixels), instances.Select(a => a.Area));
            Assert.All(instances, a =>
            {
                Assert.True(a.Bbox[0] >= 0 && a.Bbox[1] >= 0 && a.Bbox[2] >= 1 && a.Bbox[3] >= 1);
                Assert.True(a.Bbox[0] + a.Bbox[2] <= 48 && a.Bbox[1] + a.Bbox[3] <= 48);
                Assert.True(a.Area <= a.Bbox[2] * a.Bbox[3]);
            });
        }
    }

    [Fact]
    public void VisibleBox_IsTheBoundingBoxOfTheObjectsOwnPixels()
    {
        var scene = new SceneGenerator(3, new SceneOptions { ImageSize = 32 }).Generate(5);
        var box = CocoExport.VisibleBox(scene, 0);

        var pixels = Enumerable.Range(0, scene.Owner.Length).Where(p => scene.Owner[p] == 0).ToList();
        Assert.Equal(pixels.Min(p => p % 32), box[0]);
        Assert.Equal(pixels.Min(p => p / 32), box[1]);
        Assert.Equal(pixels.Max(p => p % 32) - pixels.Min(p => p % 32) + 1, box[2]);
        Assert.Equal(pixels.Count, scene.Instances[0].VisiblePixels);
    }
}
