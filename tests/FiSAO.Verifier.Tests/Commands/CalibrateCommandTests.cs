using System.Text.Json;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Calibration = FiSAO.Rewards.Calibration;
using FiSAO.Verifier.Commands;

namespace FiSAO.Verifier.Tests.Commands;

public class CalibrateCommandTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static readonly string[] Words = ["A", " dog", " sleeps", " next", " to", " a", " cat", "."];

    [Fact]
    public async Task The_calibrate_command_writes_the_json_the_verifier_then_loads_at_start()
    {
        var folder = Path.Combine(fixture.Root, "calibration-samples");
        Directory.CreateDirectory(folder);
        var lines = new List<string>();
        var correct = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var png = TestImages.Png(600 + i);
            File.WriteAllBytes(Path.Combine(folder, $"scene-{i}.png"), png);
            var scored = await fixture.Host.Client.ScoreTokensAsync(new ScoreTokensRequest
            {
                Image = new ImageRef { Data = ByteString.CopyFrom(png) }, Tokens = { Words }, TokenFormat = TokenFormat.Plain,
            });
            var present = scored.Mentions.MaxBy(m => m.Score)!;   // separable by construction
            correct.Add(present.Score);
            // Both spellings of "objects": a list and a map name -> count.
            object objects = i % 2 == 0 ? new[] { present.Entity } : new Dictionary<string, int> { [present.Entity] = 1 };
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["image"] = $"scene-{i}.png", [i == 0 ? "caption" : "text"] = "A dog sleeps next to a cat.", ["objects"] = objects,
            }));
        }
        var samples = Path.Combine(folder, "samples.jsonl");
        File.WriteAllLines(samples, lines);
        var output = Path.Combine(folder, "calibration.json");

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var rc = await CalibrateCommand.RunAsync(
            ["--model", fixture.ModelDirectory, "--data-dir", fixture.DataDirectory, "--samples", samples, "--out", output], stdout, stderr);

        Assert.True(rc == 0, stderr.ToString());
        Assert.Contains("5 correct / 5 hallucinated", stdout.ToString());
        var calibration = Calibration.Load(output);
        Assert.Equal(correct.Average(), calibration.MuGt, 4);

        await using var host = await fixture.StartAnotherAsync(null, "--calibration", output);
        var info = await host.Client.GetInfoAsync(new GetInfoRequest());
        Assert.True(info.Calibrated);
        Assert.Equal(calibration.MuGt, info.Calibration.MuGt, 9);
        Assert.Equal(5, info.Calibration.CorrectCount);
    }

    [Fact]
    public async Task Missing_arguments_or_unreadable_samples_exit_2_with_a_message()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await CalibrateCommand.RunAsync(["--model", fixture.ModelDirectory], TextWriter.Null, stderr));
        Assert.Contains("usage: calibrate", stderr.ToString());

        var bad = Path.Combine(fixture.Root, "bad.jsonl");
        File.WriteAllText(bad, "{\"image\": \"missing.png\", \"text\": \"a dog\", \"objects\": [\"dog\"]}\n");
        stderr = new StringWriter();
        Assert.Equal(2, await CalibrateCommand.RunAsync(["--model", fixture.ModelDirectory, "--samples", bad, "--out", bad + ".json"], TextWriter.Null, stderr));
        Assert.Contains("missing.png", stderr.ToString());
    }

    [Fact]
    public async Task A_calibration_file_that_does_not_separate_the_classes_stops_start_up_clearly()
    {
        var info = await fixture.Host.Client.GetInfoAsync(new GetInfoRequest());
        var path = Path.Combine(fixture.Root, "inverted.json");
        new Calibration
        {
            MuGt = 1, MuHal = 2, SMin = 0, SMax = 3, CorrectCount = 3, HallucinatedCount = 3,
            ModelId = info.ModelId, EntitySetHash = info.EntitySet.Hash, MentionTemplate = info.Settings.MentionTemplate,
        }.Save(path);
        var error = await Assert.ThrowsAsync<VerifierStartupException>(() => fixture.StartAnotherAsync(null, "--calibration", path));
        Assert.Contains("cannot be used", error.Message);
        Assert.Contains("mu_hal", error.Message);
    }
}
