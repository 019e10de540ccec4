using System.CommandLine;
using System.Text.Json;

namespace FiSAO.Cli;

/// <summary><c>fisao embed (--image FILE | --text TEXT)</c>: prints <c>{"embedding": [...]}</c>.</summary>
internal static class EmbedCommand
{
    public static Command Create(CommandRunner runner)
    {
        var image = new Option<FileInfo?>("--image") { Description = "Image file to embed", HelpName = "FILE" };
        var text = new Option<string?>("--text") { Description = "Text to embed", HelpName = "TEXT" };
        var command = new Command("embed", "Projected, unnormalised CLIP features of an image or a text, as JSON") { image, text };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(image) is null) == (result.GetResult(text) is null))
                result.AddError("Give exactly one of --image and --text.");
        });

        runner.SetAction(command, async (parse, client, cancellationToken) =>
        {
            var response = parse.GetValue(image) is { } file
                ? await client.EmbedImageAsync(LocalFiles.ReadBytes(file.FullName, "image"), cancellationToken)
                : await client.EmbedTextAsync(parse.GetValue(text)!, cancellationToken);
            runner.Io.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, IEnumerable<float>> { ["embedding"] = response.Embedding }));
            return ExitCodes.Ok;
        });
        return command;
    }
}
