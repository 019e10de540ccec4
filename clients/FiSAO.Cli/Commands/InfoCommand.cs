using System.CommandLine;
using System.Globalization;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Spectre.Console;

namespace FiSAO.Cli;

/// <summary><c>fisao info</c>: model, entity set, calibration, reward settings and limits of the verifier.</summary>
internal static class InfoCommand
{
    /// <summary>Proto JSON with the contract's snake_case field names and every field, defaults included.</summary>
    internal static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithPreserveProtoFieldNames(true));

    public static Command Create(CommandRunner runner)
    {
        var json = new Option<bool>("--json") { Description = "Print the GetInfo answer as JSON" };
        var command = new Command("info", "Model, entity set, calibration, settings and limits of the verifier") { json };
        runner.SetAction(command, async (parse, client, cancellationToken) =>
        {
            var info = await client.GetInfoAsync(cancellationToken);
            if (parse.GetValue(json)) runner.Io.Out.WriteLine(ProtoJson.Format(info));
            else runner.Io.Console.Write(Grid(info));
            return ExitCodes.Ok;
        });
        return command;
    }

    static Grid Grid(GetInfoResponse info)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Markup($"[bold]{name}[/]"), new Markup(Markup.Escape(value)));
        var limits = info.Limits;
        var settings = info.Settings;
        Row("verifier", info.Version);
        Row("model", info.ModelId);
        Row("model path", info.ModelPath);
        Row("image size", $"{info.ImageSize} px, embedding dim {info.EmbeddingDim}, logit scale {N(info.LogitScale)}, device {info.Device}");
        Row("entity set", $"{info.EntitySet.EntityCount} entities, {info.EntitySet.SurfaceFormCount} surface forms, hash {info.EntitySet.Hash} ({info.EntitySet.Source})");
        Row("calibration", info.Calibration is { } c && info.Calibrated
            ? $"{info.CalibrationId}: mu_gt {N(c.MuGt)}, mu_hal {N(c.MuHal)}, S in [{N(c.SMin)}, {N(c.SMax)}] from {c.CorrectCount} correct / {c.HallucinatedCount} hallucinated mentions"
            : "none: scores are real, every reward is 0");
        Row("rewards", $"margin {N(settings.Margin)}, placement {settings.Placement}, template \"{settings.MentionTemplate}\", " +
                       $"hallucination denominator {settings.HallucinationDenominator}, bounds {settings.ScoreBounds}, clip {settings.ClipToUnitRange}");
        Row("limits", $"message {limits.MaxMessageBytes / (1024 * 1024)} MiB, image {limits.MaxImageBytes / (1024 * 1024)} MiB / {limits.MaxImagePixels:N0} px, " +
                      $"{limits.MaxTokens} tokens, {limits.MaxBatchItems} items per batch");
        Row("batching", $"queue {limits.QueueCapacity}, encode batch {limits.MaxEncodeBatch}, delay {limits.MaxQueueDelayMs} ms{(limits.BatchInvariant ? ", batch-invariant (one forward pass per input)" : "")}");
        return grid;
    }

    static string N(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
