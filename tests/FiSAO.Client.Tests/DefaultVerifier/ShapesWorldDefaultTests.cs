using System.Net.Http.Headers;
using System.Text.Json;
using FiSAO.Client.Testing;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using Xunit.Abstractions;

namespace FiSAO.Client.Tests.DefaultVerifier;

/// <summary>
/// The verifier as a new user first meets it: started with no arguments, it serves the built-in shapes-world model
/// (shipped ready, installed into the data directory on start). The data directory is fixed per machine so that later
/// local runs reuse its feature cache.
/// </summary>
public sealed class ShapesWorldDefaultTests(ITestOutputHelper output)
{
    static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "fisao-tests-default-verifier");

    /// <remarks>
    /// Eq. 8 with margin 0 gives r &lt; 0 only to mentions scoring below mu_hal, the mean score of hallucinated mentions in
    /// calibration, and r = 0 between mu_hal and mu_gt: by construction about half of all hallucinated mentions get a
    /// negative reward and the rest none. So the test scores 24 held-out scenes, each with its caption plus one object
    /// that is not in the image, and checks what Eq. 8 promises for the whole set rather than for one chosen image.
    /// </remarks>
    [Fact]
    public async Task A_verifier_started_without_arguments_penalises_inserted_objects_and_not_the_real_ones()
    {
        await using var verifier = await VerifierProcess.StartWithoutArgumentsAsync(DataDirectory, TimeSpan.FromMinutes(20));
        using var http = new HttpClient { BaseAddress = new Uri(verifier.Address) };

        // Held-out scenes: a seed used neither for training nor for calibration.
        const long seed = 4_000_037;
        var inserted = new List<(double Score, double Reward, string Verdict)>();
        var real = new List<(double Score, double Reward, string Verdict)>();
        foreach (var scene in new SceneGenerator(seed).Generate(0, 24))
        {
            var caption = CaptionWriter.WithHallucinations(scene, 1, SceneRandom.For(seed, scene.Index, stream: 5));
            var absent = caption.Mentions.Single(m => m.Hallucinated).Noun.Name;
            using var json = JsonDocument.Parse(await ScoreAsync(http, scene.ToPng(), caption.Text));
            Assert.True(json.RootElement.GetProperty("calibrated").GetBoolean(), "the default verifier serves its calibration");
            Assert.StartsWith("v1-", json.RootElement.GetProperty("model_id").GetString());
            var mentions = json.RootElement.GetProperty("mentions").EnumerateArray().ToList();
            Assert.Equal(scene.Objects.Count + 1, mentions.Count);
            foreach (var m in mentions)
            {
                var entry = (m.GetProperty("score").GetDouble(), m.GetProperty("reward").GetDouble(), m.GetProperty("verdict").GetString()!);
                (m.GetProperty("entity").GetString() == absent ? inserted : real).Add(entry);
            }
            output.WriteLine($"{string.Join(", ", scene.Objects.Keys)} | {caption.Text} | inserted {absent}: S {inserted[^1].Score:F2} r {inserted[^1].Reward:F2}");
        }

        Assert.Equal(24, inserted.Count);
        Assert.All(inserted, m => Assert.True(m.Reward <= 0, $"an inserted object got a positive reward {m.Reward} (S {m.Score})"));
        int penalised = inserted.Count(m => m.Reward < 0);
        Assert.True(penalised >= 8, $"only {penalised} of 24 inserted objects got a negative reward");
        Assert.All(inserted.Where(m => m.Reward < 0), m => Assert.Equal("hallucinated", m.Verdict));
        int realPenalised = real.Count(m => m.Reward < 0);
        Assert.True(realPenalised <= real.Count / 20, $"{realPenalised} of {real.Count} real objects got a negative reward");
        Assert.True(real.Count(m => m.Reward > 0) >= real.Count / 3, "real objects above mu_gt are rewarded");
        Assert.True(real.Average(m => m.Score) - inserted.Average(m => m.Score) > 4,
            $"mean S real {real.Average(m => m.Score):F2} vs inserted {inserted.Average(m => m.Score):F2}");
    }

    static async Task<string> ScoreAsync(HttpClient http, byte[] png, string text)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "scene.png");
        form.Add(new StringContent(text), "text");
        using var response = await http.PostAsync("/v1/score", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }
}
