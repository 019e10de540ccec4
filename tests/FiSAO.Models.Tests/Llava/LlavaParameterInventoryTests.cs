using System.Globalization;
using FiSAO.Models.Llava;
using FiSAO.Models.Tests.Llava.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava;

/// <summary>
/// Full-size llava-hf/llava-1.5-7b-hf built on the meta device (no memory) from its config.json, against the HF parameter
/// list in TestData that llava_params.py derived from transformers' module trees independently of our modules.
/// </summary>
public class LlavaParameterInventoryTests
{
    // "7.06B params" on the model card; the exact value is derived in llava_params.py:
    // vision tower 303,507,456 + projector 20,979,712 + Vicuna-7B with its vocabulary padded to 32064 6,738,939,904.
    private const long PublishedParameterCount = 7_063_427_072;
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "TestData");

    [Fact]
    public void Full_size_model_on_meta_has_exactly_HF_parameter_names_and_shapes()
    {
        var expected = ReadExpected();
        var config = LlavaConfig.FromFile(Path.Combine(TestData, "llava-1.5-7b-hf.config.json"));
        using var model = new LlavaForConditionalGeneration(config, device: torch.META, dtype: ScalarType.Float16);

        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[name]), $"{name}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual[name])}]");
        Assert.Equal(PublishedParameterCount, actual.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal(actual.Keys.Order(), model.state_dict().Keys.Order()); // no buffers (rotary inv_freq) in the state_dict

        // The >= 4.52 spelling maps one to one onto the same tensors.
        var current = expected.Keys.Select(k => LlavaKeys.ToLayout(k, LlavaKeyLayout.Current)).ToList();
        Assert.Equal(expected.Count, current.Distinct().Count());
        Assert.Contains("model.language_model.layers.31.mlp.down_proj.weight", current);
        Assert.Contains("lm_head.weight", current);
        Assert.Contains("model.vision_tower.vision_model.post_layernorm.bias", current);
        Assert.Contains("model.multi_modal_projector.linear_2.weight", current);
        Assert.All(expected.Keys, k => Assert.Equal(k, LlavaKeys.FromLayout(LlavaKeys.ToLayout(k, LlavaKeyLayout.Current), LlavaKeyLayout.Current)));
    }

    [Fact]
    public void Expected_list_totals_the_published_size_and_agrees_with_the_test_layout()
    {
        var expected = ReadExpected();
        Assert.Equal(686, expected.Count);
        Assert.Equal(PublishedParameterCount, expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));

        // The layout that names the tiny test checkpoints' tensors gives the same list at full size.
        var full = new LlavaSpec(
            new LlamaSpec(32064, 4096, 11008, 32, 32, 32, 128, 4096, 1e-5, 10000.0),
            FiSAO.Models.Tests.Clip.Support.ClipSpec.VitLargePatch14At336.Vision, ImageTokenId: 32000, PadId: 32001);
        var layout = HfLlavaLayout.Legacy(full).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), layout.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(layout, p => Assert.Equal(expected[p.Name], p.Shape));
        Assert.Equal(576, full.ImageSeqLength);
    }

    private static Dictionary<string, long[]> ReadExpected()
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(TestData, "llava-1.5-7b-hf.params.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            var dims = parts[1].Trim('[', ']');
            result.Add(parts[0], dims.Length == 0 ? [] : dims.Split(", ").Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray());
        }
        return result;
    }
}
