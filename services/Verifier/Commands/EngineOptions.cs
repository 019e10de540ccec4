using System.CommandLine;
using FiSAO.Verifier.Extensions;

namespace FiSAO.Verifier.Commands;

/// <summary>
/// The run contract's engine switches (<see cref="VerifierExtensions.SwitchMappings"/>) as System.CommandLine options,
/// shared by serving and <c>calibrate</c>; <see cref="ConfigurationArgs"/> turns a parse back into configuration arguments.
/// </summary>
public static class EngineOptions
{
    public static Option<string>[] Create() =>
    [
        new("--model") { Description = "Hugging Face CLIP folder (default: the built-in shapes-world model)", HelpName = "DIR" },
        new("--calibration") { Description = "Calibration file (Eq. 7 baselines) to serve", HelpName = "FILE" },
        new("--entities") { Description = "Entity list (default: the built-in LVIS v1 + COCO + WordNet set)", HelpName = "FILE" },
        new("--data-dir") { Description = "Data directory: caches, the built-in model, calibrations shared by replicas", HelpName = "DIR" },
        new("--device") { Description = "cpu or cuda[:N]", HelpName = "DEVICE" },
        new("--dtype") { Description = "fp32, fp16 or bf16", HelpName = "DTYPE" },
    ];

    /// <summary>The switches given, then every token no option claimed (<c>--Verifier:Setting value</c> pairs), for
    /// <see cref="VerifierExtensions.AddVerifierCommandLine"/>.</summary>
    public static string[] ConfigurationArgs(ParseResult parse)
    {
        var args = new List<string>();
        foreach (var option in parse.CommandResult.Command.Options.OfType<Option<string>>())
            if (VerifierExtensions.SwitchMappings.ContainsKey(option.Name) && parse.GetValue(option) is { } value)
                args.AddRange([option.Name, value]);
        args.AddRange(parse.UnmatchedTokens);
        return [.. args];
    }
}
