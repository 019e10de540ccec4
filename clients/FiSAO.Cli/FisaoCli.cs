using System.CommandLine;

namespace FiSAO.Cli;

/// <summary>The <c>fisao</c> command tree. <see cref="RunAsync"/> is the whole program; tests call it in-process.</summary>
public static class FisaoCli
{
    public static RootCommand Build(CliIo io)
    {
        var common = new CommonOptions();
        var runner = new CommandRunner(io, common);
        var root = new RootCommand("fisao: score, embed, calibrate and benchmark a FiSAO verifier (fine-grained CLIP token rewards).");
        common.AddTo(root);
        root.Subcommands.Add(ScoreCommand.Create(runner));
        root.Subcommands.Add(EmbedCommand.Create(runner));
        root.Subcommands.Add(InfoCommand.Create(runner));
        root.Subcommands.Add(CalibrateCommand.Create(runner));
        root.Subcommands.Add(BenchCommand.Create(runner));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliIo io, CancellationToken cancellationToken = default)
    {
        var parse = Build(io).Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, exit code 2, rather than System.CommandLine's default of help text and code 1.
            var command = parse.CommandResult.Command.Name;
            io.Fail($"{(command == "fisao" || parse.CommandResult.Command is RootCommand ? "" : command + ": ")}" +
                    string.Join(" ", parse.Errors.Select(e => e.Message)) + " (see --help)");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Error }, cancellationToken);
    }
}
