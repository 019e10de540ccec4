using FiSAO.Client.Testing;
using FiSAO.Rewards;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Tests.Support;

namespace FiSAO.Trainer.Tests;

/// <summary><c>fisao-trainer calibrate</c> as a process against a real verifier process (the tiny random CLIP over gRPC).</summary>
public sealed class CocoCalibrationTests
{
    [Fact]
    public async Task Calibrate_generates_with_the_policy_judges_with_chair_and_gets_eq7_baselines_from_the_verifier()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        var coco = CocoEvaluateTests.WriteCoco(repeat: 4);
        var output = Path.Combine(TestDirectories.New("calibrate"), "calibration.json");

        var (code, text) = await Task.Run(() => TrainerProcess.Run(TimeSpan.FromMinutes(3), "calibrate", "--policy", TinyPolicy.Directory, "--coco", coco,
            "--verifier", verifier.Address, "--samples", "20", "--max-new-tokens", "40", "--seed", "3", "--prompt", "Describe this image.", "--out", output));

        Assert.True(code == 0, text);
        var calibration = Calibration.Load(output);
        var samples = CalibrationSampleFile.Read(CalibrationRunOptions.SamplesPath(output));
        Assert.Equal(20, samples.Count);
        Assert.All(samples, s => { Assert.NotNull(s.Tokens); Assert.True(File.Exists(s.ImagePath)); Assert.NotEmpty(s.Objects); });
        // The verifier judged the same mentions of the same pieces against the same objects as CHAIR did here (the tiny
        // policy's object words are cat and dog, both COCO classes; "mat" is judged by neither).
        var judged = samples.SelectMany(s => s.Judged ?? []).ToList();
        Assert.True(judged.Count > 0, text);
        Assert.Equal(judged.Count(j => j.Verdict == "correct"), calibration.CorrectCount);
        Assert.Equal(judged.Count(j => j.Verdict == "hallucinated"), calibration.HallucinatedCount);
        Assert.Contains($"{calibration.CorrectCount} correct / {calibration.HallucinatedCount} hallucinated mentions", text);
    }

    [Fact]
    public void Calibrate_without_a_verifier_address_is_a_usage_error()
    {
        var (code, text) = TrainerProcess.Run(TimeSpan.FromMinutes(1), "calibrate", "--policy", TinyPolicy.Directory, "--coco", CocoEvaluateTests.WriteCoco(),
            "--out", Path.Combine(TestDirectories.New("calibrate"), "c.json"));

        Assert.Equal(2, code);
        Assert.Contains("calibrate: --verifier is needed", text);
    }
}
