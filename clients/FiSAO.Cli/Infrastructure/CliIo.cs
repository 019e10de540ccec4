using Spectre.Console;

namespace FiSAO.Cli;

/// <summary>Where fisao writes: plain text and JSON to <see cref="Out"/>, tables through <see cref="Console"/> (the
/// same stream), errors to <see cref="Error"/>. Tests pass string writers.</summary>
public sealed record CliIo(TextWriter Out, TextWriter Error, IAnsiConsole Console)
{
    public static CliIo FromSystemConsole()
    {
        var console = AnsiConsole.Console;
        // Spectre wraps redirected output at 80 columns; a file or a pipe has no width to respect.
        if (System.Console.IsOutputRedirected) console.Profile.Width = 200;
        return new(System.Console.Out, System.Console.Error, console);
    }

    /// <summary>No colours, no terminal: for captured output.</summary>
    public static CliIo Plain(TextWriter output, TextWriter error, int width = 120)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return new CliIo(output, error, console);
    }

    /// <summary>One line on stderr, prefixed with the program name.</summary>
    public void Fail(string message) => Error.WriteLine("fisao: " + message.ReplaceLineEndings(" ").Trim());
}
