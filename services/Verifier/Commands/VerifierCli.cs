using System.CommandLine;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// The <c>FiSAO.Verifier</c> command tree on System.CommandLine, like <c>fisao</c> and <c>fisao-trainer</c>: with no
/// subcommand it serves (the web host); <c>calibrate</c> builds the engine without a web host; <c>health</c> probes a
/// running verifier. <c>--help</c> prints help and starts nothing. A bad argument is one stderr line and exit code 2.
/// </summary>
public static class VerifierCli
{
    public const int UsageError = 2;

    const string Description = """
        fisao-verifier: the FiSAO fine-grained verifier (gRPC fisao.verifier.v1.Verifier and REST on one port).
        With no subcommand it serves:
          FiSAO.Verifier [--model DIR] [--calibration FILE] [--entities FILE] [--data-dir DIR] [--device cpu|cuda[:N]]
                         [--dtype fp32|fp16|bf16] [--api-key KEY] [--admin-key KEY] [--urls URL] [--Verifier:Setting value ...]
        No --model: the built-in shapes-world model (ships ready, installed into the data directory).
        TLS: standard Kestrel configuration (--Kestrel:Endpoints:Https:Url, ...:Certificate:Path / KeyPath); mutual TLS
        with --Verifier:ClientCaPath CA.pem. Every setting: README.md, "Configuration".
        The Figure 1 report and the built-in model's recipe are in the shapes-world tools (fisao-shapes report,
        fisao-shapes build-verifier-model).
        """;

    /// <summary>The tree; <paramref name="serve"/> runs the web host with the original arguments (null: serving is refused).</summary>
    public static RootCommand Build(TextWriter output, TextWriter error, Func<string[], Task<int>>? serve, string[] args)
    {
        var root = new RootCommand(Description) { TreatUnmatchedTokensAsErrors = false };
        foreach (var option in EngineOptions.Create()) root.Options.Add(option);
        root.Options.Add(new Option<string>("--api-key") { Description = "API key required on every call but health (Verifier:ApiKey)", HelpName = "KEY" });
        root.Options.Add(new Option<string>("--admin-key") { Description = "Key required to apply a calibration (Verifier:AdminApiKey)", HelpName = "KEY" });
        root.Options.Add(new Option<string>("--urls") { Description = "Where to listen, e.g. http://0.0.0.0:5000", HelpName = "URL" });
        root.SetAction(async (_, _) =>
        {
            if (serve is null)
            {
                error.WriteLine("fisao-verifier: serving is not available here.");
                return UsageError;
            }
            return await serve(args);
        });
        root.Subcommands.Add(CalibrateCommand.Create(output, error));
        root.Subcommands.Add(HealthProbe.Create(output, error));
        var report = new Command("report", "Moved: the Figure 1 report is in the shapes-world tools") { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        report.SetAction(_ =>
        {
            error.WriteLine("fisao-verifier: the Figure 1 report moved to the shapes-world tools: " +
                            "dotnet run --project services/FiSAO.ShapesWorld.Cli -c Release -- report --out reports/figure1");
            return UsageError;
        });
        root.Subcommands.Add(report);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string[], Task<int>>? serve = null,
        CancellationToken cancellationToken = default)
    {
        var parse = Build(output, error, serve, args).Parse(args);
        var command = parse.CommandResult.Command;
        var errors = parse.Errors.Select(e => e.Message).ToList();
        // The root passes unknown tokens on to configuration, and System.CommandLine then accepts them in every
        // subcommand; only those that take configuration (calibrate) may.
        if (command.TreatUnmatchedTokensAsErrors)
            errors.AddRange(parse.UnmatchedTokens.Select(token => $"Unrecognized argument '{token}'."));
        // Serving takes switches (--key value, /key value) and key=value settings, so a bare first word is a mistyped
        // subcommand, not a setting.
        if (command is RootCommand && args.Length > 0 && IsBareWord(args[0]))
            errors.Add($"Unknown command '{args[0]}': the commands are {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}.");
        if (errors.Count > 0)
        {
            // One line and exit code 2, rather than System.CommandLine's default of help text and code 1.
            var prefix = command is RootCommand ? "fisao-verifier" : command.Name;
            error.WriteLine($"{prefix}: {string.Join(" ", errors.Distinct())} (see --help)");
            if (command is not RootCommand) error.WriteLine($"usage: {Usage(command)}");
            return UsageError;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false },
            cancellationToken);
    }

    static bool IsBareWord(string token) => token.Length > 0 && char.IsLetter(token[0]) && token.All(c => char.IsLetterOrDigit(c) || c is '-' or '_');

    /// <summary>One line: the command and its options, required ones bare, the others in brackets.</summary>
    static string Usage(Command command) => command.Name + " " + string.Join(" ", command.Options.Where(o => !o.Hidden).Select(o =>
    {
        var text = o.ValueType == typeof(bool) ? o.Name : $"{o.Name} <{o.HelpName ?? "value"}>";
        return o.Required ? text : $"[{text}]";
    }));
}
