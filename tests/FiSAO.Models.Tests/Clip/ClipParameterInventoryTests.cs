using System.Globalization;
using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

/// <summary>
/// Full-size openai/clip-vit-large-patch14-336 built on the meta device (no memory) against the HF parameter list in
/// TestData, which clip_params.py derived from modeling_clip.py independently of our modules.
/// </summary>
public class ClipParameterInventoryTests
{
    private const long PublishedParameterCount = 427_944_193; // "428M" on the model card; exact value derived in clip_params.py
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "TestData");

    [Fact]
    public void Full_size_model_on_meta_has_exactly_HF_parameter_names_and_shapes()
    {
        var expected = ReadExpected();
        var config = ClipConfig.FromFile(Path.Combine(TestData, "clip-vit-large-patch14-336.config.json"));
        using var model = new ClipModel(config, torch.META);

        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[name]), $"{name}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual[name])}]");
        Assert.Equal(PublishedParameterCount, actual.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal(actual.Keys.Order(), model.state_dict().Keys.Order()); // no buffers sneak into the state_dict
    }

    [Fact]
    public void Expected_list_totals_the_published_size_and_agrees_with_the_test_layout()
    {
        var expected = ReadExpected();
        Assert.Equal(590, expected.Count);
        Assert.Equal(PublishedParameterCount, expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));

        // The layout that names the tiny test checkpoints' tensors gives the same list at full size.
        var layout = HfClipLayout.ClipModel(ClipSpec.VitLargePatch14At336).ToList();
        Assert.Equal(expected.Keys, layout.Select(p => p.Name));
        Assert.All(layout, p => Assert.Equal(expected[p.Name], p.Shape));
    }

    private static Dictionary<string, long[]> ReadExpected()
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(TestData, "clip-vit-large-patch14-336.params.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            var dims = parts[1].Trim('[', ']');
            result.Add(parts[0], dims.Length == 0 ? [] : dims.Split(", ").Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray());
        }
        return result;
    }
}
