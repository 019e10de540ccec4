using System.Diagnostics;
using System.Text;

namespace FiSAO.Trainer.Tests.Support;

/// <summary>The built trainer (<c>dotnet fisao-trainer.dll</c>) as a child process, so a test can SIGKILL it.</summary>
public sealed class TrainerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TrainerProcess(Process process) => _process = process;

    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "fisao-trainer.dll");

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static TrainerProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        var process = new Process { StartInfo = start };
        var trainer = new TrainerProcess(process);
        process.OutputDataReceived += (_, e) => trainer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => trainer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return trainer;
    }

    /// <summary>Runs to the end; returns the exit code.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] arguments)
    {
        using var trainer = Start(arguments);
        if (!trainer._process.WaitForExit(timeout))
        {
            trainer.Kill();
            throw new TimeoutException($"fisao-trainer {string.Join(' ', arguments)} did not finish in {timeout}:\n{trainer.Output}");
        }
        trainer._process.WaitForExit();
        return (trainer.ExitCode, trainer.Output);
    }

    /// <summary>SIGKILL: no finally blocks, no flushing, as an OOM kill or a lost node.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
