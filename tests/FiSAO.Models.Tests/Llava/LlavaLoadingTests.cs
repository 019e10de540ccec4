using FiSAO.Models.Llava;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava;

public sealed class LlavaLoadingTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Every parameter equals the file's tensor (after the file dtype's rounding), in both spellings.</summary>
    [Theory]
    [InlineData(false, false, ScalarType.Float32)]
    [InlineData(true, false, ScalarType.Float32)]
    [InlineData(false, true, ScalarType.Float16)]
    [InlineData(true, true, ScalarType.BFloat16)]
    public void Loads_both_key_spellings_sharded_or_not_in_any_file_dtype(bool currentLayout, bool sharded, ScalarType fileType)
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { CurrentLayout = currentLayout, Sharded = sharded, DType = fileType, IncludePositionIds = true });
        var loaded = LlavaCheckpointLoader.Load(folder, TorchTarget.Cpu());
        using var model = loaded.Model;
        Assert.Equal(currentLayout ? LlavaKeyLayout.Current : LlavaKeyLayout.Legacy, loaded.Layout);

        var state = model.state_dict();
        Assert.Equal(Tiny.Weights.Keys.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, w) in Tiny.Weights)
        {
            using var expected = torch.tensor(w.Data, w.Shape).to(fileType).to(ScalarType.Float32);
            Assert.True(TensorAssert.Same(expected, state[name]), name);
        }
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.False(model.training);
    }

    [Fact]
    public void Missing_tensor_error_names_the_checkpoint_key()
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { CurrentLayout = true, DropKey = "language_model.model.layers.1.mlp.up_proj.weight" });
        var e = Assert.Throws<InvalidDataException>(() => LlavaCheckpointLoader.Load(folder, TorchTarget.Cpu()));
        Assert.Contains("'model.language_model.layers.1.mlp.up_proj.weight'", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Wrong_shape_error_names_key_and_shapes()
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { ReshapeKey = ("language_model.model.layers.0.self_attn.k_proj.weight", [32, 32]) });
        var e = Assert.Throws<InvalidDataException>(() => LlavaCheckpointLoader.Load(folder, TorchTarget.Cpu()));
        Assert.Contains("'language_model.model.layers.0.self_attn.k_proj.weight'", e.Message);
        Assert.Contains("[32, 32]", e.Message);
        Assert.Contains("[16, 32]", e.Message); // 2 kv heads x head_dim 8
    }

    [Theory]
    [InlineData("language_model.model.layers.0.self_attn.rotary_emb.weight")] // inside a part: no such parameter
    [InlineData("something_else.weight")]                                      // outside every part
    public void Unknown_tensor_is_refused(string extra)
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { ExtraKey = extra });
        var e = Assert.Throws<InvalidDataException>(() => LlavaCheckpointLoader.Load(folder, TorchTarget.Cpu()));
        Assert.Contains($"'{extra}'", e.Message);
    }

    [Fact]
    public void Mixed_spellings_are_refused()
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { ExtraKey = "model.language_model.norm.weight" });
        var e = Assert.Throws<InvalidDataException>(() => LlavaCheckpointLoader.Load(folder, TorchTarget.Cpu()));
        Assert.Contains("both", e.Message);
    }

    [Fact]
    public void Config_is_read_with_hf_defaults()
    {
        var folder = Tiny.Write(_dir.Path, new LlavaFolderOptions { Tokenizer = false });
        var config = LlavaConfig.FromFile(Path.Combine(folder, "config.json"));
        Assert.Equal(Tiny.Spec.ImageTokenId, config.ImageTokenIndex);
        Assert.Equal(16, config.ImageSeqLength); // (20 / 5)^2 patches, CLS dropped
        Assert.Equal(2, config.TextConfig.KeyValueHeads);
        Assert.Equal(8, config.TextConfig.HeadDimension);
        Assert.Equal(-2, config.VisionFeatureLayer);
        Assert.Equal("gelu", config.ProjectorHiddenAct);
        Assert.Equal([2], config.TextConfig.EosTokenIds);
    }

    [Fact]
    public void Llava_1_5_7b_config_parses_to_the_published_architecture()
    {
        var config = LlavaConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "TestData", "llava-1.5-7b-hf.config.json"));
        var t = config.TextConfig;
        Assert.Equal((32064, 4096, 11008, 32, 32, 32, 128), (t.VocabSize, t.HiddenSize, t.IntermediateSize, t.NumHiddenLayers, t.NumAttentionHeads, t.KeyValueHeads, t.HeadDimension));
        Assert.Equal((4096, 1e-5, 10000.0, false), (t.MaxPositionEmbeddings, t.RmsNormEps, t.RopeTheta, t.TieWordEmbeddings));
        Assert.Equal((32000, 32001, 576), (config.ImageTokenIndex, config.PadTokenId, config.ImageSeqLength));
        Assert.Equal((1024, 24, 336, 14, "quick_gelu"), (config.VisionConfig.HiddenSize, config.VisionConfig.NumHiddenLayers,
            config.VisionConfig.ImageSize, config.VisionConfig.PatchSize, config.VisionConfig.HiddenAct));
    }

    [Fact]
    public void Unsupported_configs_are_clear_errors()
    {
        var json = Tiny.ConfigJson();
        json["text_config"]!["rope_scaling"] = new System.Text.Json.Nodes.JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
        Assert.Throws<NotSupportedException>(() => LlavaConfig.FromJson(json.ToJsonString()));

        json = Tiny.ConfigJson();
        json["vision_feature_select_strategy"] = "cls";
        Assert.Throws<InvalidDataException>(() => LlavaConfig.FromJson(json.ToJsonString()));

        json = Tiny.ConfigJson();
        json["image_seq_length"] = 576;
        Assert.Contains("image_seq_length", Assert.Throws<InvalidDataException>(() => LlavaConfig.FromJson(json.ToJsonString())).Message);
    }
}
