using FiSAO.Rewards;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using Microsoft.Extensions.Options;

namespace FiSAO.Verifier.Calibrations;

/// <summary>
/// Follows the shared calibration store: when the <c>active</c> file names another id than this replica serves (another
/// replica applied a calibration), the replica loads and serves it. Polls a one-line file every
/// <see cref="VerifierOptions.CalibrationPollMs"/>: file-change notifications do not cross NFS or most network volumes.
/// </summary>
public sealed class CalibrationWatcher(VerifierEngine engine, IOptions<VerifierOptions> options, ILogger<CalibrationWatcher> logger)
    : BackgroundService
{
    string? _refused;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (engine.Store is not { } store) return;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.CalibrationPollMs));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { Follow(store); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Cannot read the calibration store {Folder}: {Message}", store.Directory, e.Message);
            }
        }
    }

    /// <summary>One check: switches to the stored active calibration when it differs from the served one.</summary>
    public void Follow(CalibrationStore store)
    {
        var id = store.ReadActiveId();
        if (id is null || id == engine.CalibrationId || id == _refused) return;
        try
        {
            var calibration = store.TryLoad(id) ?? throw new CalibrationLoadException(store.Directory, $"the active calibration {id} has no file.");
            engine.Activate(calibration);
            logger.LogInformation("Serving calibration {Id} applied through another replica: mu_gt {MuGt:F3}, mu_hal {MuHal:F3}",
                id, calibration.MuGt, calibration.MuHal);
        }
        catch (Exception e) when (e is CalibrationLoadException or InvalidCalibrationException)
        {
            _refused = id; // logged once; the replica keeps its calibration
            logger.LogError("The active calibration {Id} in {Folder} cannot be served; keeping {Current}: {Message}", id, store.Directory,
                engine.CalibrationId ?? "uncalibrated", e.Message);
        }
    }
}
