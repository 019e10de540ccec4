using System.Globalization;
using System.Text.Json;
using FiSAO.Verifier.V1;
using Spectre.Console;

namespace FiSAO.Cli;

/// <summary>Renders a ScoreTokens answer: tables for people, the REST /v1/score JSON shape for scripts.</summary>
internal static class ScoreView
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Table(IAnsiConsole console, IReadOnlyList<string> tokens, ScoreTokensResponse response)
    {
        var calibration = response.Calibrated ? $"calibration {Markup.Escape(response.CalibrationId)}" : "[yellow]uncalibrated (rewards 0)[/]";
        console.MarkupLine($"model [bold]{Markup.Escape(response.ModelId)}[/] · image {response.ImageId[..Math.Min(12, response.ImageId.Length)]} · {calibration}");

        var mentionTokens = response.Mentions.SelectMany(m => Enumerable.Range(m.TokenStart, m.TokenEnd - m.TokenStart)).ToHashSet();
        var table = new Table().Border(TableBorder.Rounded).Title("tokens");
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn("token");
        table.AddColumn(new TableColumn("reward").RightAligned());
        for (int i = 0; i < tokens.Count; i++)
        {
            var reward = i < response.Rewards.Count ? response.Rewards[i] : 0f;
            var style = Colour(reward) + (mentionTokens.Contains(i) ? " bold" : "");
            table.AddRow(
                new Markup(i.ToString(CultureInfo.InvariantCulture)),
                new Markup($"[{style}]{Markup.Escape(tokens[i])}[/]"),
                new Markup($"[{style}]{reward.ToString("+0.000;-0.000;0", CultureInfo.InvariantCulture)}[/]"));
        }
        console.Write(table);

        if (response.Mentions.Count == 0)
        {
            console.MarkupLine("no entity mentions");
            return;
        }
        var mentions = new Table().Border(TableBorder.Rounded).Title("mentions");
        mentions.AddColumn("tokens");
        mentions.AddColumn("surface");
        mentions.AddColumn("entity");
        mentions.AddColumn(new TableColumn("S").RightAligned());
        mentions.AddColumn(new TableColumn("reward").RightAligned());
        mentions.AddColumn("verdict");
        foreach (var m in response.Mentions)
        {
            mentions.AddRow(
                new Markup(m.TokenEnd - m.TokenStart == 1 ? $"{m.TokenStart}" : $"{m.TokenStart}-{m.TokenEnd - 1}"),
                new Markup(Markup.Escape(m.Surface)),
                new Markup(Markup.Escape(m.Entity)),
                new Markup(m.Score.ToString("0.000", CultureInfo.InvariantCulture)),
                new Markup($"[{Colour(m.Reward)}]{m.Reward.ToString("+0.000;-0.000;0", CultureInfo.InvariantCulture)}[/]"),
                new Markup(m.Verdict switch
                {
                    Verdict.Correct => "[green]correct[/]",
                    Verdict.Hallucinated => "[red]hallucinated[/]",
                    _ => "[grey]neutral[/]",
                }));
        }
        console.Write(mentions);
    }

    /// <summary>The shape of the verifier's REST <c>/v1/score</c> answer, so scripts can use either.</summary>
    public static string ToJson(IReadOnlyList<string> tokens, ScoreTokensResponse response) => JsonSerializer.Serialize(new
    {
        Tokens = tokens,
        Rewards = response.Rewards,
        Mentions = response.Mentions.Select(m => new
        {
            m.Surface,
            m.Entity,
            m.TokenStart,
            m.TokenEnd,
            m.Score,
            m.Reward,
            Verdict = m.Verdict switch { Verdict.Correct => "correct", Verdict.Hallucinated => "hallucinated", _ => "neutral" },
        }),
        response.ImageId,
        response.ModelId,
        response.Calibrated,
        CalibrationId = response.Calibrated ? response.CalibrationId : null,
    }, Json);

    static string Colour(float reward) => reward > 0 ? "green" : reward < 0 ? "red" : "grey";
}
