using System.Net.Http.Headers;
using System.Text.Json;
using FiSAO.Client.Testing;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using Xunit.Abstractions;

namespace FiSAO.Client.Tests.DefaultVerifier;

/// <summary>
/// The verifier as a new user first meets it: started with no arguments, it builds the embedded shapes-world model on
/// the first start (minutes) and serves it. The data directory is fixed per machine so that later local runs reuse it; a
/// clean CI machine builds it once.
/// </summary>
public sealed class ShapesWorldDefaultTests(ITestOutputHelper output)
{
    static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "fisao-tests-default-verifier");

    [Fact]
    public async Task A_verifier_started_without_arguments_gives_the_hallucinated_mention_a_negative_reward_and_the_real_ones_none()
    {
        await using var verifier = await VerifierProcess.StartWithoutArgumentsAsync(DataDirectory, TimeSpan.FromMinutes(20));

        // A held-out scene (a seed used neither for training nor calibration) with at least two objects, and its caption
        // with one object inserted that is not in the image.
        const long seed = 4_000_037;
        var scene = Enumerable.Range(0, 50).Select(i => new SceneGenerator(seed).Generate(i)).First(s => s.Objects.Count >= 2);
        var caption = CaptionWriter.WithHallucinations(scene, 1, SceneRandom.For(seed, scene.Index, stream: 5));
        var inserted = caption.Mentions.Single(m => m.Hallucinated).Noun.Name;
        output.WriteLine($"objects: {string.Join(", ", scene.Objects.Keys)}; response: {caption.Text}");

        using var http = new HttpClient { BaseAddress = new Uri(verifier.Address) };
        using var form = new MultipartFormDataContent();
        var png = new ByteArrayContent(scene.ToPng());
        png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(png, "image", "scene.png");
        form.Add(new StringContent(caption.Text), "text");
        using var response = await http.PostAsync("/v1/score", form);
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine(body);
        Assert.True(response.IsSuccessStatusCode, body);

        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("calibrated").GetBoolean(), "the default verifier serves its calibration");
        Assert.StartsWith("v1-", json.RootElement.GetProperty("model_id").GetString());
        var mentions = json.RootElement.GetProperty("mentions").EnumerateArray()
            .Select(m => (Entity: m.GetProperty("entity").GetString()!, Reward: m.GetProperty("reward").GetDouble(),
                Verdict: m.GetProperty("verdict").GetString()!))
            .ToList();
        Assert.Equal(scene.Objects.Count + 1, mentions.Count);
        var hallucinated = Assert.Single(mentions, m => m.Entity == inserted);
        Assert.True(hallucinated.Reward < 0, $"the inserted '{inserted}' should get a negative reward, got {hallucinated.Reward}");
        Assert.Equal("hallucinated", hallucinated.Verdict);
        foreach (var real in mentions.Where(m => m.Entity != inserted))
            Assert.True(real.Reward >= 0, $"'{real.Entity}' is in the image and should not be penalised, got {real.Reward}");
    }
}
