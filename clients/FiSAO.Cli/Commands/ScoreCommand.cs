using System.CommandLine;
using System.Text.Json;
using FiSAO.Verifier.V1;

namespace FiSAO.Cli;

/// <summary><c>fisao score --image FILE (--text TEXT | --tokens-json FILE)</c>: token rewards and mentions.</summary>
internal static class ScoreCommand
{
    public static Command Create(CommandRunner runner)
    {
        var image = new Option<FileInfo>("--image") { Description = "Image file (PNG, JPEG, WebP, GIF, BMP)", Required = true, HelpName = "FILE" };
        var text = new Option<string?>("--text") { Description = "A caption; split into words as the verifier's REST /v1/score does", HelpName = "TEXT" };
        var tokensJson = new Option<FileInfo?>("--tokens-json") { Description = "JSON array of the policy's token strings", HelpName = "FILE" };
        var format = new Option<string>("--token-format")
        {
            Description = "How --tokens-json tokens are spelled",
            DefaultValueFactory = _ => "auto",
        };
        format.AcceptOnlyFromAmong(TokenFormats.Names);
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON (the REST /v1/score shape)" };

        var command = new Command("score", "Per-token rewards and entity mentions for an image and a response") { image, text, tokensJson, format, json };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(text) is null) == (result.GetResult(tokensJson) is null))
                result.AddError("Give exactly one of --text and --tokens-json.");
        });

        runner.SetAction(command, async (parse, client, cancellationToken) =>
        {
            var bytes = LocalFiles.ReadBytes(parse.GetValue(image)!.FullName, "image");
            IReadOnlyList<string> sent, shown;
            TokenFormat tokenFormat;
            if (parse.GetValue(text) is { } caption)
            {
                var split = CaptionTokens.Split(caption);
                if (split.Sent.Count == 0) throw CliException.Usage("--text has no words.");
                (sent, shown, tokenFormat) = (split.Sent, split.Words, TokenFormat.Plain);
            }
            else
            {
                var file = parse.GetValue(tokensJson)!.FullName;
                sent = shown = ParseTokens(LocalFiles.ReadText(file, "token file"), file);
                tokenFormat = TokenFormats.Parse(parse.GetValue(format));
            }

            var response = await client.ScoreAsync(bytes, sent, tokenFormat, cancellationToken);

            if (parse.GetValue(json)) runner.Io.Out.WriteLine(ScoreView.ToJson(shown, response));
            else ScoreView.Table(runner.Io.Console, shown, response);
            return ExitCodes.Ok;
        });
        return command;
    }

    static List<string> ParseTokens(string json, string file)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) is { Count: > 0 } tokens && tokens.All(t => t is not null)
                ? tokens
                : throw CliException.Usage($"'{file}' must hold a non-empty JSON array of strings.");
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"'{file}' is not a JSON array of strings: {e.Message}", e);
        }
    }
}

/// <summary>The --token-format names: auto, plain, sentence-piece, byte-level-bpe, word-piece.</summary>
internal static class TokenFormats
{
    public static readonly string[] Names = ["auto", "plain", "sentence-piece", "byte-level-bpe", "word-piece"];

    public static TokenFormat Parse(string? name) => name switch
        {
            "plain" => TokenFormat.Plain,
            "sentence-piece" => TokenFormat.SentencePiece,
            "byte-level-bpe" => TokenFormat.ByteLevelBpe,
            "word-piece" => TokenFormat.WordPiece,
            _ => TokenFormat.Auto,
        };
}
