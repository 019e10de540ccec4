using System.CommandLine;
using FiSAO.Client;
using System.Globalization;
using Spectre.Console;

namespace FiSAO.Cli;

/// <summary><c>fisao calibrate --samples FILE.jsonl [--out FILE] [--apply]</c>: Eq. 7 baselines from labelled samples.</summary>
internal static class CalibrateCommand
{
    public static Command Create(CommandRunner runner)
    {
        var samples = new Option<FileInfo>("--samples")
        {
            Description = "JSON Lines: {\"image\": \"path relative to the file\", \"text\": \"...\", \"objects\": [\"dog\", ...]}",
            Required = true,
            HelpName = "FILE.jsonl",
        };
        var output = new Option<FileInfo?>("--out") { Description = "Write the calibration file the verifier loads with --calibration", HelpName = "FILE" };
        var apply = new Option<bool>("--apply")
        {
            Description = "Make it the active calibration of every replica sharing the verifier's data directory (needs --admin-key when the verifier has one)",
        };
        var json = new Option<bool>("--json") { Description = "Print the Calibrate answer as JSON" };
        var count = new Option<string>("--count")
        {
            Description = "What Eq. 7 averages over: every judged mention, or each response's set of objects once (the paper's |O^i|)",
            DefaultValueFactory = _ => "mentions",
        };
        count.AcceptOnlyFromAmong("mentions", "sets");
        var command = new Command("calibrate", "Compute the reward baselines (Eq. 7) from samples with ground-truth objects") { samples, output, apply, count, json };

        runner.SetAction(command, async (parse, client, cancellationToken) =>
        {
            var io = runner.Io;
            var read = CalibrationSamples.Read(parse.GetValue(samples)!.FullName);
            var request = CalibrationSamples.Request(read, parse.GetValue(apply));
            var sets = parse.GetValue(count) == "sets";
            request.Count = sets ? FiSAO.Verifier.V1.CalibrationCount.Sets : FiSAO.Verifier.V1.CalibrationCount.Mentions;
            var limit = (await client.GetInfoAsync(cancellationToken)).Limits.MaxMessageBytes;
            if (request.CalculateSize() > limit)
                throw CliException.Usage($"the {read.Count} samples make a request of {request.CalculateSize() / 1048576.0:F1} MiB; " +
                                         $"the verifier accepts {limit / 1048576.0:F1} MiB: use fewer or smaller images.");

            var response = await client.CalibrateAsync(request, cancellationToken);

            foreach (var error in response.SampleErrors)
            {
                var line = error.Index < read.Count ? read[error.Index].Line : -1;
                io.Fail($"calibrate: warning: sample on line {line} was skipped ({StatusNames.Of((Grpc.Core.StatusCode)error.Error.Code)}: {error.Error.Message})");
            }
            var calibration = response.Calibration.ToCalibration();
            if (parse.GetValue(output) is { } file)
            {
                if (calibration.Validate() is { Count: > 0 } problems)
                    throw new CliException(ExitCodes.Rejected, "the verifier's calibration is unusable: " + string.Join(" ", problems));
                calibration.Save(file.FullName);
            }

            if (parse.GetValue(json)) io.Out.WriteLine(InfoCommand.ProtoJson.Format(response));
            else Summary(io.Console, response, parse.GetValue(output)?.FullName, sets ? "objects (one per response)" : "mentions");

            if (parse.GetValue(apply) && !response.Applied)
            {
                io.Fail($"calibrate: computed but not applied: {response.NotAppliedReason}");
                return ExitCodes.Rejected;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    static void Summary(IAnsiConsole console, FiSAO.Verifier.V1.CalibrateResponse response, string? written, string unit)
    {
        var c = response.Calibration;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Markup($"[bold]{name}[/]"), new Markup(Markup.Escape(value)));
        Row("mu_gt", $"{N(c.MuGt)} (mean S of {c.CorrectCount} correct {unit})");
        Row("mu_hal", $"{N(c.MuHal)} (mean S of {c.HallucinatedCount} hallucinated {unit})");
        Row("S range", $"[{N(c.SMin)}, {N(c.SMax)}]");
        Row("separation", c.MuGt >= c.MuHal ? $"{N(c.MuGt - c.MuHal)}" : $"{N(c.MuGt - c.MuHal)}: hallucinated mentions score higher; the model does not separate them");
        Row("model", c.ModelId);
        Row("entity set", c.EntitySetHash);
        Row("template", c.MentionTemplate);
        Row("id", response.CalibrationId);
        Row("applied", response.Applied ? "yes: every replica on the verifier's data directory serves it now" : response.NotAppliedReason is { Length: > 0 } why ? $"no: {why}" : "no (pass --apply)");
        if (written is not null) Row("written", written);
        console.Write(grid);
    }

    static string N(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
