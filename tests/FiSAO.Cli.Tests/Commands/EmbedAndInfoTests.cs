using System.Text.Json;
using FiSAO.Cli.Tests.Support;
using FiSAO.Client;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Cli.Tests.Commands;

public class EmbedAndInfoTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task Embed_text_prints_exactly_the_embedding_as_json()
    {
        var run = await Fisao.RunAsync("embed", "--server", fixture.Verifier.Address, "--text", "a red car");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var root = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(["embedding"], root.EnumerateObject().Select(p => p.Name));
        using var client = FiSAOVerifierClient.Create(fixture.Verifier.Address);
        var expected = (await client.EmbedTextAsync("a red car")).Embedding;
        Assert.Equal(expected, root.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task Embed_image_prints_the_image_embedding()
    {
        var png = TestImages.Png(11, 64, 64);
        var run = await Fisao.RunAsync("embed", "--server", fixture.Verifier.Address, "--image", fixture.File("embed.png", png));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var client = FiSAOVerifierClient.Create(fixture.Verifier.Address);
        var expected = (await client.EmbedImageAsync(png)).Embedding;
        Assert.Equal(expected, JsonDocument.Parse(run.Out).RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task Embed_needs_exactly_one_input()
    {
        var run = await Fisao.RunAsync("embed", "--server", fixture.Verifier.Address);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("exactly one of --image and --text", run.Error);
    }

    [Fact]
    public async Task Info_shows_the_model_entity_set_and_limits_and_json_is_the_GetInfo_answer()
    {
        var table = await Fisao.RunAsync("info", "--server", fixture.Verifier.Address);
        var json = await Fisao.RunAsync("info", "--server", fixture.Verifier.Address, "--json");

        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Matches(@"model\s+tiny-clip@[0-9a-f]{12}", table.Out);
        Assert.Matches(@"entity set\s+\d+ entities, \d+ surface forms", table.Out);
        Assert.Contains("calibration  none", table.Out);
        Assert.Contains("1024 items per batch", table.Out);
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        var info = JsonDocument.Parse(json.Out).RootElement;
        Assert.StartsWith("tiny-clip@", info.GetProperty("model_id").GetString());
        Assert.Equal(16, info.GetProperty("embedding_dim").GetInt32());
        Assert.False(info.GetProperty("calibrated").GetBoolean());
    }
}
