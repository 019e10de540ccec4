using FiSAO.Models.Imaging;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Text;
using FiSAO.ShapesWorld.Training;
using FiSAO.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Tests;

public class LossAndPixelTests
{
    [Fact]
    public void Scene_pixels_equal_ClipImageProcessor_on_the_png()
    {
        var scenes = new SceneGenerator(31).Generate(0, 3);
        var config = ShapesClipConfig.Preprocessing(96);
        var processor = new ClipImageProcessor(config);
        using var scope = torch.NewDisposeScope();
        var direct = new ScenePixels(config).ToTensor(scenes.Select(s => s.Rgb).ToList(), 96, 96);
        var viaPng = processor.Preprocess(scenes.Select(s => (ReadOnlyMemory<byte>)s.ToPng()).ToList());
        Assert.True(direct.equal(viaPng).all().ToBoolean(), "bit-identical to the verifier's preprocessing");
    }

    [Fact]
    public void Multi_positive_infonce_matches_a_hand_computation()
    {
        // Two images, three words; image 0 has words 0 and 1, image 1 has word 2.
        float[] l = [2, 1, 0, -1, 0, 3];
        using var scope = torch.NewDisposeScope();
        var logits = torch.tensor(l, [2, 3]);
        var positive = torch.tensor(new[] { true, true, false, false, false, true }, [2, 3]);
        double Lse(params double[] x) => Math.Log(x.Sum(Math.Exp));
        // image -> word: each positive against its row's negatives.
        double i2w = ((Lse(2, 0) - 2) + (Lse(1, 0) - 1) + (Lse(3, -1, 0) - 3)) / 3;
        // word -> image: each positive against the images lacking that word.
        double w2i = ((Lse(2, -1) - 2) + (Lse(1, 0) - 1) + (Lse(3, 0) - 3)) / 3;
        var loss = ShapesClipTrainer.MultiPositiveInfoNce(logits, positive).ToDouble();
        Assert.Equal((i2w + w2i) / 2, loss, 5);
    }

    [Fact]
    public void Patch_labels_follow_the_object_masks()
    {
        var scene = new SceneGenerator(32).Generate(0);
        var labels = ShapesClipTrainer.PatchLabels(scene, 12, 0.25);
        Assert.Equal(64, labels.Length);
        var nouns = scene.Instances.Select(o => (long)World.ShapesVocabulary.Nouns.ToList().IndexOf(o.Noun)).ToHashSet();
        Assert.All(labels.Where(l => l >= 0), l => Assert.Contains(l, nouns));
        Assert.Contains(labels, l => l >= 0);
        Assert.Contains(labels, l => l < 0);
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        using var dir = new TempDirectory();
        WorldTokenizer.Save(dir.Path);
        var tokenizer = ClipTokenizer.FromDirectory(dir.Path);
        var options = new TrainingOptions { Size = ShapesClipSize.Tiny, TrainScenes = 64, Epochs = 1, BatchSize = 32, Seed = 8, Threads = 1 };
        var scenes = new SceneGenerator(8).Generate(0, 64);
        float[] Run()
        {
            using var model = ShapesClipTrainer.CreateModel(tokenizer, options);
            new ShapesClipTrainer(model, tokenizer, options).Train(scenes);
            return model.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }
}
