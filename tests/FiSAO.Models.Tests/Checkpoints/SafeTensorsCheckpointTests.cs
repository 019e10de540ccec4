using FiSAO.Models.Checkpoints;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Checkpoints;

public sealed class SafeTensorsCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Single_file_and_sharded_folders_expose_the_same_tensors()
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny());
        using var single = SafeTensorsCheckpoint.Open(tiny.WriteClipFolder(_dir.Sub("single")));
        using var sharded = SafeTensorsCheckpoint.Open(tiny.WriteClipFolder(_dir.Sub("sharded"), new CheckpointOptions { Sharded = true }));

        Assert.Equal(single.Keys.Order(), sharded.Keys.Order());
        Assert.Equal(tiny.Weights.Keys.Order(), single.Keys.Order());
        foreach (var key in new[] { "text_model.final_layer_norm.weight", "vision_model.embeddings.class_embedding", "logit_scale" })
        {
            using var a = single.Read(key);
            using var b = sharded.Read(key);
            Assert.Equal(tiny.Weights[key].Data, a.data<float>().ToArray());
            Assert.True(TensorAssert.Same(a, b));
        }
    }

    [Fact]
    public void Sharded_folder_opens_only_the_shards_it_reads()
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny());
        using var checkpoint = SafeTensorsCheckpoint.Open(tiny.WriteClipFolder(_dir.Path, new CheckpointOptions { Sharded = true }));
        Assert.Empty(checkpoint.OpenedFiles);

        using var w = checkpoint.Read("text_model.embeddings.token_embedding.weight");
        Assert.Equal(new[] { "model-00001-of-00002.safetensors" }, checkpoint.OpenedFiles);
        Assert.Equal(w.NumberOfElements * 4, checkpoint.DataBytesRead);
    }

    [Fact]
    public void Folder_without_weights_is_a_clear_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafeTensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains(_dir.Path, e.Message);
    }

    [Fact]
    public void Index_pointing_to_a_missing_shard_names_the_shard()
    {
        File.WriteAllText(_dir.Sub("model.safetensors.index.json"), "{\"weight_map\":{\"a.weight\":\"model-00009.safetensors\"}}");
        using var checkpoint = SafeTensorsCheckpoint.Open(_dir.Path);
        var e = Assert.Throws<FileNotFoundException>(() => checkpoint.GetInfo("a.weight"));
        Assert.Contains("model-00009.safetensors", e.Message);
    }

    [Fact]
    public void Index_listing_a_tensor_its_shard_lacks_names_both()
    {
        using (var x = torch.ones(2))
            TinyClipCheckpoint.WriteSafetensors(_dir.Sub("shard.safetensors"), [("present", x)]);
        File.WriteAllText(_dir.Sub("model.safetensors.index.json"),
            "{\"weight_map\":{\"present\":\"shard.safetensors\",\"absent\":\"shard.safetensors\"}}");
        using var checkpoint = SafeTensorsCheckpoint.Open(_dir.Path);
        var e = Assert.Throws<InvalidDataException>(() => checkpoint.GetInfo("absent"));
        Assert.Contains("'absent'", e.Message);
        Assert.Contains("shard.safetensors", e.Message);
    }

    [Fact]
    public void Index_with_an_escaping_shard_path_is_rejected()
    {
        File.WriteAllText(_dir.Sub("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("../elsewhere.safetensors", e.Message);
    }
}
