using FiSAO.Rewards;
using FiSAO.Verifier.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace FiSAO.Verifier.Tests.Hosting;

/// <summary>
/// Two processes starting together on one data directory: the second waits on the first one's file lock and then uses
/// the folder the first one finished, without building again. The "first process" is this test holding the real lock.
/// </summary>
public sealed class ShapesWorldDefaultLockTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("fisao-default-lock-").FullName;

    [Fact]
    public async Task A_start_waits_for_the_builder_holding_the_lock_and_then_reuses_its_finished_folder()
    {
        var options = new VerifierOptions { DataDirectory = _data };
        var settings = new RewardSettings();
        var folder = ShapesWorldDefault.FolderFor(_data, settings, options);
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);

        var held = new FileStream(folder + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var second = Task.Run(() => ShapesWorldDefault.Ensure(_data, settings, options, NullLogger.Instance));
        await Task.Delay(1500);
        Assert.False(second.IsCompleted, "the second start must wait while another process holds the build lock");

        // The "first process" finishes: a complete folder, then the lock is released.
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ShapesWorldDefault.CompleteFileName), "{}");
        await held.DisposeAsync();

        var assets = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(folder, assets.ModelDirectory);
        Assert.False(Directory.EnumerateDirectories(Path.GetDirectoryName(folder)!, "*.tmp-*").Any(), "nothing was built");
    }

    [Fact]
    public void The_folder_depends_on_the_recipe_and_the_mention_template()
    {
        var settings = new RewardSettings();
        var a = ShapesWorldDefault.FolderFor(_data, settings, new VerifierOptions());
        Assert.Equal(a, ShapesWorldDefault.FolderFor(_data, new RewardSettings(), new VerifierOptions()));
        Assert.NotEqual(a, ShapesWorldDefault.FolderFor(_data, settings, new VerifierOptions { ShapesWorld = new() { Epochs = 2 } }));
        Assert.NotEqual(a, ShapesWorldDefault.FolderFor(_data, new RewardSettings { MentionTemplate = "a photo of a {}" }, new VerifierOptions()));
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
