using VerifierCalibration = FiSAO.Verifier.V1.Calibration;

namespace FiSAO.Client.Tests;

public class CalibrationFilesTests
{
    [Fact]
    public void A_calibrate_answer_becomes_the_file_the_verifier_loads()
    {
        var answer = new VerifierCalibration
        {
            MuGt = 3.1, MuHal = -4.7, SMin = -16.4, SMax = 14.3, CorrectCount = 40, HallucinatedCount = 12,
            ModelId = "clip@abc", EntitySetHash = "e1", MentionTemplate = "a photo of a {}.", CreatedUtc = "2026-12-06T10:00:00+00:00",
        };
        var path = Path.Combine(Path.GetTempPath(), $"fisao-calibration-{Guid.NewGuid():N}.json");
        try
        {
            answer.ToCalibration().Save(path);
            var loaded = FiSAO.Rewards.Calibration.Load(path);
            Assert.Equal((3.1, -4.7, -16.4, 14.3, 40, 12), (loaded.MuGt, loaded.MuHal, loaded.SMin, loaded.SMax, loaded.CorrectCount, loaded.HallucinatedCount));
            Assert.Equal(("clip@abc", "e1", "a photo of a {}."), (loaded.ModelId, loaded.EntitySetHash, loaded.MentionTemplate));
            Assert.Equal(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), loaded.CreatedUtc);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Empty_proto_strings_become_absent_and_a_missing_time_is_now()
    {
        var before = DateTimeOffset.UtcNow;
        var calibration = new VerifierCalibration { MuGt = 1, MuHal = -1 }.ToCalibration();
        Assert.Null(calibration.ModelId);
        Assert.Null(calibration.EntitySetHash);
        Assert.Null(calibration.MentionTemplate);
        Assert.InRange(calibration.CreatedUtc!.Value, before, DateTimeOffset.UtcNow);
    }
}
