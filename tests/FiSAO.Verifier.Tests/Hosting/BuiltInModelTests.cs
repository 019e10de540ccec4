using FiSAO.Rewards;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace FiSAO.Verifier.Tests.Hosting;

/// <summary>The built-in model ships ready with the verifier: installed into the data directory, served calibrated.</summary>
public sealed class BuiltInModelTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("fisao-builtin-").FullName;

    [Fact]
    public void Without_a_model_the_verifier_serves_the_shipped_model_with_its_calibration_and_trains_nothing()
    {
        using var engine = VerifierStartup.CreateEngine(new VerifierOptions { DataDirectory = _data, TorchThreads = 1 },
            new RewardSettings(), NullLoggerFactory.Instance);

        Assert.StartsWith($"{BuiltInModel.FolderName}@", engine.ModelId);
        Assert.Equal(Path.Combine(_data, "models", BuiltInModel.FolderName), engine.Model.ModelPath);
        Assert.True(engine.Rewarder.IsCalibrated, engine.Rewarder.UncalibratedReason);
        Assert.Matches("^[0-9a-f]{16}$", engine.CalibrationId);
        Assert.Equal(32, engine.Entities.Counts.SurfaceForms);
    }

    [Fact]
    public void Installing_again_keeps_an_identical_folder_and_replaces_a_changed_one()
    {
        var installed = BuiltInModel.Install(_data).ModelDirectory;
        var weights = Path.Combine(installed, "model.safetensors");
        var written = File.GetLastWriteTimeUtc(weights);
        Assert.Equal(installed, BuiltInModel.Install(_data).ModelDirectory);
        Assert.Equal(written, File.GetLastWriteTimeUtc(weights));

        File.WriteAllText(Path.Combine(installed, BuiltInModel.CalibrationFileName), "{}");
        File.WriteAllText(Path.Combine(installed, "stray.txt"), "left by hand");
        BuiltInModel.Install(_data);

        foreach (var file in Directory.EnumerateFiles(BuiltInModel.ShippedDirectory))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(installed, Path.GetFileName(file))));
        Assert.False(File.Exists(Path.Combine(installed, "stray.txt")));
        Assert.Equal([BuiltInModel.FolderName], Directory.EnumerateDirectories(Path.Combine(_data, "models")).Select(Path.GetFileName));
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
