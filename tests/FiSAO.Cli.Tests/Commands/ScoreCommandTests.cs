using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Cli.Tests.Support;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Cli.Tests.Commands;

public class ScoreCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    const string Caption = "A dog on a sofa next to two cats.";

    [Fact]
    public async Task Score_with_text_prints_the_tokens_and_the_mentions_with_S_and_verdict()
    {
        var image = fixture.File("scene.png", TestImages.Png(1, 64, 64));

        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", image, "--text", Caption);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Empty(run.Error);
        Assert.Contains("uncalibrated", run.Out);
        foreach (var word in new[] { "dog", "sofa", "next", "cats" }) Assert.Contains($"│ {word}", run.Out);
        // The mentions table: surface, entity, verdict ("sofa" is the entity couch).
        Assert.Matches(@"│ 4\s+│ sofa\s+│ couch\s+│\s+-?\d+\.\d{3} │\s+0 │ neutral", run.Out);
        Assert.Matches(@"│ 8\s+│ cats\s+│ cat\s+│", run.Out);
    }

    [Fact]
    public async Task Score_json_with_text_is_what_the_verifiers_REST_endpoint_answers_for_the_caption()
    {
        var png = TestImages.Png(2, 64, 64);
        var image = fixture.File("rest.png", png);

        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", image, "--text", Caption, "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var http = new HttpClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "rest.png" }, { new StringContent(Caption), "text" } };
        var rest = await (await http.PostAsync($"{fixture.Verifier.Address}/v1/score", form)).Content.ReadAsStringAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest), JsonNode.Parse(run.Out)), $"REST: {rest}\nCLI:  {run.Out}");
        Assert.Equal(3, JsonDocument.Parse(run.Out).RootElement.GetProperty("mentions").GetArrayLength());
    }

    [Fact]
    public async Task Score_with_a_token_file_scores_the_policys_tokens_in_the_given_format()
    {
        var image = fixture.File("tokens.png", TestImages.Png(3, 64, 64));
        var tokens = fixture.File("tokens.json", """["▁two", "▁hor", "ses", "▁and", "▁a", "▁bus"]""");

        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", image, "--tokens-json", tokens,
            "--token-format", "sentence-piece", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var answer = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(6, answer.GetProperty("rewards").GetArrayLength());
        var mentions = answer.GetProperty("mentions").EnumerateArray().Select(m => (m.GetProperty("entity").GetString(),
            m.GetProperty("token_start").GetInt32(), m.GetProperty("token_end").GetInt32())).ToList();
        Assert.Equal([("horse", 1, 3), ("bus", 5, 6)], mentions);
    }

    [Theory]
    [InlineData("--text", "a dog", "--tokens-json", "x.json")]
    [InlineData()]
    public async Task Score_needs_exactly_one_of_text_and_tokens(params string[] extra)
    {
        var image = fixture.File("usage.png", TestImages.Png(4));
        var run = await Fisao.RunAsync(["score", "--server", fixture.Verifier.Address, "--image", image, .. extra]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("fisao: score: Give exactly one of --text and --tokens-json. (see --help)", run.Error.TrimEnd());
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task A_token_file_that_is_not_a_json_array_is_a_usage_error_naming_the_file()
    {
        var image = fixture.File("badtokens.png", TestImages.Png(5));
        var tokens = fixture.File("bad.json", "{\"tokens\": 1}");

        var run = await Fisao.RunAsync("score", "--server", fixture.Verifier.Address, "--image", image, "--tokens-json", tokens);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("bad.json", run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }
}
