using System.Text.Json.Nodes;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.SafeTensors;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Lora;

public sealed class LoraTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private readonly TempDirectory _dir = new();
    private readonly string _folder;

    public LoraTests() => _folder = Tiny.Write(_dir.Sub("base"), new LlavaFolderOptions { Tokenizer = false });

    public void Dispose() => _dir.Dispose();

    private LlavaForConditionalGeneration LoadBase() => LlavaForConditionalGeneration.FromPretrained(_folder, TorchTarget.Cpu());

    private static readonly long[] Ids = [1, 270, 300, .. Enumerable.Repeat((long)TinySentencePiece.ImageId, 16), 280, 281, 7, 9];

    private static Tensor Logits(LlavaForConditionalGeneration model)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = model.GetImageFeatures(torch.tensor(Tiny.Pixels(1, seed: 3), Tiny.PixelShape(1)));
        return model.Forward(torch.tensor(Ids, [1, Ids.Length]), features).MoveToOuterDisposeScope();
    }

    /// <summary>Gives every lora_B random values so adapters change the output.</summary>
    private static void Perturb(LoraAdapters adapters, int seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var m in adapters.Modules.Values)
        {
            using var b = torch.randn(m.LoraB.shape, generator: generator) * 0.5;
            m.LoraB.copy_(b);
        }
    }

    [Fact]
    public void Attaches_to_the_language_models_attention_projections_only()
    {
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Alpha = 8 });
        Assert.Equal(Tiny.Spec.Text.Layers * 4, adapters.Modules.Count);
        Assert.All(adapters.Modules.Keys, k => Assert.StartsWith("language_model.model.layers.", k));
        Assert.Contains("language_model.model.layers.1.self_attn.o_proj", adapters.Modules.Keys);
        var q = adapters.Modules["language_model.model.layers.0.self_attn.q_proj"];
        Assert.Equal([4, 32], q.LoraA.shape);
        Assert.Equal([32, 4], q.LoraB.shape);
        Assert.Equal(2.0, q.Scaling);
        Assert.True(adapters.CoversAllTargets);

        // PEFT-style module tree: base_layer keeps the frozen weight.
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("language_model.model.layers.0.self_attn.q_proj.base_layer.weight", names);
        Assert.Contains("language_model.model.layers.0.self_attn.q_proj.lora_A.weight", names);
        Assert.Contains("language_model.model.layers.0.mlp.up_proj.weight", names); // MLP not targeted

        // lora_A is kaiming-uniform(a = sqrt 5): |A| <= 1 / sqrt(in_features); lora_B starts at zero.
        var a = TensorAssert.ToFloats(q.LoraA);
        Assert.All(a, v => Assert.True(Math.Abs(v) <= 1 / Math.Sqrt(32) + 1e-7));
        Assert.True(a.Select(Math.Abs).Max() > 0.5 / Math.Sqrt(32));
        Assert.All(TensorAssert.ToFloats(q.LoraB), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Fresh_adapters_leave_the_output_bitwise_unchanged()
    {
        using var base_ = LoadBase();
        using var model = LoadBase();
        LoraAdapters.Attach(model, new LoraConfig { Rank = 4, TargetModules = LoraConfig.AllProjections });
        using var expected = Logits(base_);
        using var actual = Logits(model);
        Assert.True(TensorAssert.Same(expected, actual));
    }

    [Fact]
    public void Disabled_adapters_give_exactly_the_base_model_and_the_switch_restores()
    {
        using var base_ = LoadBase();
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, TargetModules = LoraConfig.AllProjections });
        Perturb(adapters, seed: 1);

        using var expected = Logits(base_);
        using var adapted = Logits(model);
        Assert.False(TensorAssert.Same(expected, adapted));
        using (adapters.Disable())
        {
            Assert.False(adapters.Enabled);
            using var reference = Logits(model);
            Assert.True(TensorAssert.Same(expected, reference));
        }
        Assert.True(adapters.Enabled);
        using var again = Logits(model);
        Assert.True(TensorAssert.Same(adapted, again));
    }

    [Fact]
    public void Only_adapter_parameters_require_and_receive_gradients()
    {
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 2, Dropout = 0 });
        Perturb(adapters, seed: 2); // with B = 0, A's gradient would be zero

        var trainable = model.parameters().Where(p => p.requires_grad).ToHashSet(ReferenceEqualityComparer.Instance);
        Assert.Equal(adapters.Parameters().Count(), trainable.Count);
        Assert.All(adapters.Parameters(), p => Assert.Contains(p, trainable));

        using (var scope = torch.NewDisposeScope())
        {
            var features = model.GetImageFeatures(torch.tensor(Tiny.Pixels(1, seed: 3), Tiny.PixelShape(1)));
            var ids = torch.tensor(Ids, [1, Ids.Length]);
            var logProbs = model.ResponseLogProbs(ids, torch.ones_like(ids), features, Ids.Length - 3);
            logProbs.sum().backward();
        }
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.requires_grad)
            {
                Assert.NotNull(p.grad);
                Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} got no gradient");
            }
            else Assert.Null(p.grad);
        }
    }

    [Fact]
    public void Dropout_acts_only_in_training_mode()
    {
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Dropout = 0.5 });
        Perturb(adapters, seed: 3);
        using var eval1 = Logits(model);
        using var eval2 = Logits(model);
        Assert.True(TensorAssert.Same(eval1, eval2));
        model.train();
        using var train = Logits(model);
        model.eval();
        Assert.False(TensorAssert.Same(eval1, train));
    }

    [Theory]
    [InlineData(LlavaKeyLayout.Legacy, "base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight")]
    [InlineData(LlavaKeyLayout.Current, "base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight")]
    public void Peft_round_trip_in_either_transformers_spelling(LlavaKeyLayout layout, string firstKey)
    {
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Alpha = 16, Dropout = 0.1, Seed = 5 });
        Perturb(adapters, seed: 4);
        using var expected = Logits(model);
        var adapterDir = _dir.Sub("adapter");
        PeftAdapter.Save(adapters, adapterDir, "llava-hf/llava-1.5-7b-hf", layout);

        // adapter_config.json as PEFT writes it.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(16, (int)config["lora_alpha"]!);
        Assert.Equal(0.1, (double)config["lora_dropout"]!);
        Assert.Equal("none", (string?)config["bias"]);
        Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
        Assert.Equal("llava-hf/llava-1.5-7b-hf", (string?)config["base_model_name_or_path"]);
        Assert.Equal(@".*language_model.*\.(q_proj|k_proj|v_proj|o_proj)", (string?)config["target_modules"]);

        // adapter_model.safetensors: PEFT names, [r, in] / [out, r], fp32, metadata format=pt; PyBridge reads it too.
        using (var file = SafeTensorsFile.Open(Path.Combine(adapterDir, "adapter_model.safetensors")))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal(Tiny.Spec.Text.Layers * 4 * 2, file.Keys.Count);
            Assert.Contains(firstKey, file.Keys);
            Assert.Equal([4L, 32], file.GetInfo(firstKey).Shape);
            Assert.Equal([16L, 4], file.GetInfo(firstKey.Replace("q_proj.lora_A", "k_proj.lora_B")).Shape);
            Assert.Equal("F32", file.GetInfo(firstKey).DType);
        }
        var independent = Safetensors.LoadStateDict(Path.Combine(adapterDir, "adapter_model.safetensors"));
        Assert.True(TensorAssert.Same(adapters.Modules["language_model.model.layers.1.self_attn.v_proj"].LoraB,
            independent[firstKey.Replace("layers.0.self_attn.q_proj.lora_A", "layers.1.self_attn.v_proj.lora_B")]));

        using var fresh = LoadBase();
        var loaded = PeftAdapter.Load(fresh, adapterDir);
        Assert.Equal(layout, loaded.Layout);
        Assert.Equal("llava-hf/llava-1.5-7b-hf", loaded.BaseModelNameOrPath);
        Assert.Equal((4, 16.0, 0.1), (loaded.Adapters.Config.Rank, loaded.Adapters.Config.Alpha, loaded.Adapters.Config.Dropout));
        Assert.Equal(adapters.Modules.Keys.Order(), loaded.Adapters.Modules.Keys.Order());
        using var actual = Logits(fresh);
        Assert.True(TensorAssert.Same(expected, actual));
    }

    [Fact]
    public void Peft_list_form_target_modules_and_mlp_adapters_load()
    {
        // A PEFT adapter for a LLaVA whose target_modules is a plain list restricted to the language model by its keys.
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 2, TargetModules = ["q_proj", "down_proj"] });
        Perturb(adapters, seed: 6);
        using var expected = Logits(model);
        var adapterDir = _dir.Sub("adapter");
        PeftAdapter.Save(adapters, adapterDir, null);
        var configPath = Path.Combine(adapterDir, "adapter_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["target_modules"] = new JsonArray("language_model.model.layers.0.self_attn.q_proj", "language_model.model.layers.1.self_attn.q_proj", "down_proj");
        File.WriteAllText(configPath, config.ToJsonString());

        using var fresh = LoadBase();
        var loaded = PeftAdapter.Load(fresh, adapterDir);
        Assert.Equal(adapters.Modules.Keys.Order(), loaded.Adapters.Modules.Keys.Order());
        using var actual = Logits(fresh);
        Assert.True(TensorAssert.Same(expected, actual));
    }

    [Fact]
    public void Adapters_that_do_not_fit_are_refused_with_the_key()
    {
        using var model = LoadBase();
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4 });
        var adapterDir = _dir.Sub("adapter");
        PeftAdapter.Save(adapters, adapterDir, null);

        // A rank mismatch.
        var configPath = Path.Combine(adapterDir, "adapter_config.json");
        var original = File.ReadAllText(configPath);
        File.WriteAllText(configPath, original.Replace("\"r\": 4", "\"r\": 8"));
        using (var fresh = LoadBase())
            Assert.Contains("lora_A.weight", Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(fresh, adapterDir)).Message);

        // target_modules naming more layers than the file has (missing tensors).
        File.WriteAllText(configPath, original.Replace(@"q_proj|k_proj|v_proj|o_proj", "q_proj|k_proj|v_proj|o_proj|up_proj"));
        using (var fresh = LoadBase())
        {
            var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(fresh, adapterDir));
            Assert.Contains("mlp.up_proj.lora_A.weight", e.Message);
        }

        // Unsupported PEFT options.
        File.WriteAllText(configPath, original.Replace("\"use_dora\": false", "\"use_dora\": true"));
        using (var fresh = LoadBase())
            Assert.Throws<NotSupportedException>(() => PeftAdapter.Load(fresh, adapterDir));
    }

    [Fact]
    public void Half_precision_base_gets_fp32_adapters_and_keeps_its_output_dtype()
    {
        var config = LlavaConfig.FromJson(Tiny.ConfigJson().ToJsonString());
        using var model = new LlavaForConditionalGeneration(config, dtype: ScalarType.BFloat16);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.tensor(new long[] { 1, 270, 300, 280 }, [1, 4]);
        var before = model.Forward(ids, null);
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4 });
        Assert.All(adapters.Parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var after = model.Forward(ids, null);
        Assert.Equal(ScalarType.BFloat16, after.dtype);
        Assert.True(TensorAssert.Same(before, after)); // bf16 -> fp32 + 0 -> bf16 is exact
    }

    [Fact]
    public void Attaching_twice_is_refused()
    {
        using var model = LoadBase();
        LoraAdapters.Attach(model, new LoraConfig());
        Assert.Throws<InvalidOperationException>(() => LoraAdapters.Attach(model, new LoraConfig()));
    }
}
