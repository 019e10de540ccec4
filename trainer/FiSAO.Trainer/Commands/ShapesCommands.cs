using System.CommandLine;

namespace FiSAO.Trainer.Commands;

/// <summary>Shapes-world commands (policy folder, demo, evaluation).</summary>
public static class ShapesCommands
{
    public static IEnumerable<Command> Create() => [];
}
