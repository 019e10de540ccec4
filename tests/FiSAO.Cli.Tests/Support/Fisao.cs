using FiSAO.Client.Testing;

namespace FiSAO.Cli.Tests.Support;

/// <summary>What one <c>fisao</c> run returned and printed.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>Runs the CLI in-process through its real entry (<see cref="FisaoCli.RunAsync"/>), capturing both streams.</summary>
public static class Fisao
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FisaoCli.RunAsync(args, CliIo.Plain(output, error));
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>One verifier for a test class, and files to point the CLI at.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public VerifierProcess Verifier { get; private set; } = null!;
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("fisao-cli-tests-").FullName;

    public async Task InitializeAsync() => Verifier = await TinyVerifierModel.StartVerifierAsync();

    /// <summary>Writes <paramref name="bytes"/> to a file in the fixture's folder and returns its path.</summary>
    public string File(string name, byte[] bytes)
    {
        var path = Path.Combine(Directory, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string File(string name, string text) => File(name, System.Text.Encoding.UTF8.GetBytes(text));

    public async Task DisposeAsync()
    {
        await Verifier.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
