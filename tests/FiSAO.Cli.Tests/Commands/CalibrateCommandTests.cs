using System.Text.Json;
using FiSAO.Cli.Tests.Support;
using FiSAO.Client;
using FiSAO.Client.Testing;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Cli.Tests.Commands;

public class CalibrateCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task Calibrate_writes_the_file_the_verifier_loads_and_apply_makes_it_active()
    {
        // A random CLIP separates nothing, so label each image with whichever of its two objects it scores higher:
        // then correct mentions score above hallucinated ones and the calibration is usable.
        var samples = await SeparableSamplesAsync(correctScoresHigher: true);
        var output = Path.Combine(fixture.Directory, "calibration.json");

        var run = await Fisao.RunAsync("calibrate", "--server", fixture.Verifier.Address, "--samples", samples, "--out", output, "--apply");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Matches(@"mu_gt\s+-?\d+(\.\d+)? \(mean S of 4 correct mentions\)", run.Out);
        Assert.Contains("applied     yes", run.Out);
        var saved = FiSAO.Rewards.Calibration.Load(output);
        Assert.Equal(4, saved.CorrectCount);
        Assert.Equal(4, saved.HallucinatedCount);
        Assert.True(saved.MuGt > saved.MuHal);
        using var client = FiSAOVerifierClient.Create(fixture.Verifier.Address);
        var info = await client.GetInfoAsync();
        Assert.True(info.Calibrated);
        Assert.Equal(saved.MuGt, info.Calibration.MuGt);

        // The file is what --calibration expects: a verifier started with it is calibrated from the start.
        await using var restarted = await VerifierProcess.StartAsync(TinyVerifierModel.ModelDirectory, TinyVerifierModel.DataDirectory,
            new Dictionary<string, string> { ["Verifier:CalibrationPath"] = output });
        using var second = FiSAOVerifierClient.Create(restarted.Address);
        Assert.Equal(saved.MuHal, (await second.GetInfoAsync()).Calibration.MuHal);
    }

    [Fact]
    public async Task A_calibration_the_verifier_will_not_apply_exits_4_with_its_reason_and_json_has_the_answer()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        var samples = await SeparableSamplesAsync(correctScoresHigher: false);

        var run = await Fisao.RunAsync("calibrate", "--server", verifier.Address, "--samples", samples, "--apply", "--json");

        Assert.Equal(ExitCodes.Rejected, run.ExitCode);
        Assert.StartsWith("fisao: calibrate: computed but not applied: Unusable calibration: mu_hal", run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        var answer = JsonDocument.Parse(run.Out).RootElement;
        Assert.False(answer.GetProperty("applied").GetBoolean());
        Assert.True(answer.GetProperty("calibration").GetProperty("mu_hal").GetDouble() > answer.GetProperty("calibration").GetProperty("mu_gt").GetDouble());
    }

    [Theory]
    [InlineData("{\"image\": \"a.png\", \"text\": \"a dog\"", "samples.jsonl:2: not valid JSON")]
    [InlineData("{\"image\": \"a.png\", \"text\": \"a dog\"}", "samples.jsonl:2: \"objects\" (the objects truly in the image) is missing")]
    [InlineData("{\"image\": \"missing.png\", \"text\": \"a dog\", \"objects\": []}", "cannot read the image of line 2")]
    public async Task A_bad_samples_file_is_a_usage_error_naming_the_line(string secondLine, string expected)
    {
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Directory, Guid.NewGuid().ToString("N"))).FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestImages.Png(1));
        var samples = Path.Combine(folder, "samples.jsonl");
        File.WriteAllText(samples, "{\"image\": \"a.png\", \"text\": \"a dog\", \"objects\": [\"dog\"]}\n" + secondLine + "\n");

        var run = await Fisao.RunAsync("calibrate", "--server", fixture.Verifier.Address, "--samples", samples);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(expected, run.Error);
    }

    [Fact]
    public async Task Count_sets_counts_each_responses_objects_once_where_mentions_counts_every_mention()
    {
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Directory, Guid.NewGuid().ToString("N"))).FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestImages.Png(7, 64, 64));
        var samples = Path.Combine(folder, "samples.jsonl");
        // The dog is named twice and is there; the cat is named once and is not.
        File.WriteAllText(samples, "{\"image\": \"a.png\", \"text\": \"a dog and a cat and a dog\", \"objects\": [\"dog\"]}\n");

        JsonElement Calibration(CliRun run)
        {
            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            return JsonDocument.Parse(run.Out).RootElement.GetProperty("calibration");
        }
        var mentions = Calibration(await Fisao.RunAsync("calibrate", "--server", fixture.Verifier.Address, "--samples", samples, "--json"));
        var sets = Calibration(await Fisao.RunAsync("calibrate", "--server", fixture.Verifier.Address, "--samples", samples, "--count", "sets", "--json"));

        Assert.Equal(2, mentions.GetProperty("correct_count").GetInt32());
        Assert.Equal(1, sets.GetProperty("correct_count").GetInt32());
        Assert.Equal(1, mentions.GetProperty("hallucinated_count").GetInt32());
        Assert.Equal(1, sets.GetProperty("hallucinated_count").GetInt32());
        // One image, so both mentions of the dog have the same S, and its set's mean S equals it.
        Assert.Equal(mentions.GetProperty("mu_gt").GetDouble(), sets.GetProperty("mu_gt").GetDouble(), 5);

        var unknown = await Fisao.RunAsync("calibrate", "--server", fixture.Verifier.Address, "--samples", samples, "--count", "objects");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("objects", unknown.Error);
    }

    /// <summary>Four images, each captioned "a dog and a cat" (and the like) with one object labelled present: the one
    /// the verifier scores higher (or lower), so mu_gt is above (or below) mu_hal. Images lie next to the .jsonl.</summary>
    async Task<string> SeparableSamplesAsync(bool correctScoresHigher)
    {
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Directory, Guid.NewGuid().ToString("N"))).FullName;
        using var client = FiSAOVerifierClient.Create(fixture.Verifier.Address);
        var lines = new List<string>();
        string[][] pairs = [["dog", "cat"], ["car", "bus"], ["horse", "sheep"], ["pizza", "cake"]];
        for (int i = 0; i < pairs.Length; i++)
        {
            var png = TestImages.Png(500 + i, 64, 64);
            File.WriteAllBytes(Path.Combine(folder, $"{i}.png"), png);
            var text = $"a {pairs[i][0]} and a {pairs[i][1]}";
            var scores = (await client.ScoreAsync(png, ["▁a", $"▁{pairs[i][0]}", "▁and", "▁a", $"▁{pairs[i][1]}"])).Mentions.Select(m => m.Score).ToList();
            var present = (scores[0] > scores[1]) == correctScoresHigher ? pairs[i][0] : pairs[i][1];
            lines.Add(JsonSerializer.Serialize(new { image = $"{i}.png", text, objects = new[] { present } }));
        }
        var path = Path.Combine(folder, "samples.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }
}
