using FiSAO.Rewards;

namespace FiSAO.Verifier.Calibrations;

/// <summary>A calibration as the engine serves it: its id (content hash, null when uncalibrated) and its Eq. 8 rewarder.</summary>
public sealed record ServedCalibration(string? Id, RewardFunction Rewarder)
{
    public static ServedCalibration Uncalibrated(RewardSettings settings) => new(null, RewardFunction.Create(settings, null));

    /// <summary>Throws <see cref="InvalidCalibrationException"/> when the calibration cannot give rewards.</summary>
    public static ServedCalibration Of(RewardSettings settings, Calibration calibration) =>
        new(CalibrationStore.IdOf(calibration), RewardFunction.Calibrated(settings, calibration));
}
