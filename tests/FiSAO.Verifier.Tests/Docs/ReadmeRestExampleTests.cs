using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FiSAO.Verifier.Tests.Support;
using SixLabors.ImageSharp;

namespace FiSAO.Verifier.Tests.Docs;

/// <summary>
/// Runs README.md's REST example as a reader would: the shell command in the fenced block after the marker
/// <c>&lt;!-- docs-test: rest-score --&gt;</c> runs in bash (real curl) against a real verifier on loopback, with
/// only the address swapped and the image file it names created. The answer must have the shape the README shows in
/// the JSON block that follows: the same fields, the same tokens for the same caption, and the same mentions
/// (surface, entity, token span). Scores differ: the README's came from another model.
/// </summary>
public class ReadmeRestExampleTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    const string Marker = "<!-- docs-test: rest-score";
    const string DocumentedAddress = "http://127.0.0.1:5000";

    [Fact]
    public async Task The_readme_rest_score_example_runs_and_answers_as_documented()
    {
        var (command, documentedJson) = ReadExample(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));
        Assert.Contains(DocumentedAddress, command);
        var imageFile = Regex.Match(command, @"image=@(\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(imageFile), $"the example uploads no image file: {command}");

        var work = Directory.CreateDirectory(Path.Combine(fixture.Root, "readme-example")).FullName;
        using (var image = Image.Load(TestImages.Png(4242, 96, 80)))
            await image.SaveAsync(Path.Combine(work, imageFile));   // the encoder follows the extension (.jpg: JPEG)

        var (exitCode, stdout, stderr) = await RunBash(command.Replace(DocumentedAddress, fixture.Host.Address), work);
        Assert.True(exitCode == 0, $"the README command failed ({exitCode}): {stderr}\n{stdout}");

        Assert.True(stdout.TrimStart().StartsWith('{'), $"the README command did not answer a JSON object:\n{stdout}\n{stderr}");
        using var actual = JsonDocument.Parse(stdout);
        using var documented = JsonDocument.Parse(documentedJson);
        var a = actual.RootElement;
        var d = documented.RootElement;
        Assert.Equal(Keys(d), Keys(a));
        Assert.Equal(Strings(d.GetProperty("tokens")), Strings(a.GetProperty("tokens")));
        Assert.Equal(a.GetProperty("tokens").GetArrayLength(), a.GetProperty("rewards").GetArrayLength());
        Assert.Equal(d.GetProperty("calibrated").GetBoolean(), a.GetProperty("calibrated").GetBoolean());
        Assert.Matches("^[0-9a-f]{64}$", a.GetProperty("image_id").GetString());
        Assert.False(string.IsNullOrEmpty(a.GetProperty("model_id").GetString()));

        var documentedMentions = d.GetProperty("mentions").EnumerateArray().ToList();
        var actualMentions = a.GetProperty("mentions").EnumerateArray().ToList();
        Assert.Equal(documentedMentions.Count, actualMentions.Count);
        foreach (var (dm, am) in documentedMentions.Zip(actualMentions))
        {
            Assert.Equal(Keys(dm), Keys(am));
            foreach (var field in new[] { "surface", "entity", "verdict" })
                Assert.Equal(dm.GetProperty(field).GetString(), am.GetProperty(field).GetString());
            foreach (var field in new[] { "token_start", "token_end" })
                Assert.Equal(dm.GetProperty(field).GetInt32(), am.GetProperty(field).GetInt32());
            Assert.True(float.IsFinite(am.GetProperty("score").GetSingle()));
        }
    }

    [Fact]
    public void The_example_reader_finds_the_marked_block_and_only_it()
    {
        const string readme = """
            ```bash
            curl http://127.0.0.1:5000/unmarked
            ```
            <!-- docs-test: rest-score -->
            ```bash
            # a comment
            curl -F image=@a.jpg \
                 -F text="x" http://127.0.0.1:5000/v1/score
            ```
            ```json
            {"tokens":["x"]}
            ```
            """;
        var (command, json) = ReadExample(readme);
        Assert.Equal("curl -F image=@a.jpg -F text=\"x\" http://127.0.0.1:5000/v1/score", command);
        Assert.Equal("{\"tokens\":[\"x\"]}", json);
        Assert.Throws<InvalidDataException>(() => ReadExample(readme.Replace("<!-- docs-test: rest-score -->", "")));
    }

    /// <summary>The command (continuation lines joined, comments dropped) in the first fenced block after the marker,
    /// and the body of the next ```json block.</summary>
    internal static (string Command, string Json) ReadExample(string readme)
    {
        var lines = readme.Replace("\r\n", "\n").Split('\n');
        var marker = Array.FindIndex(lines, l => l.TrimStart().StartsWith(Marker, StringComparison.Ordinal));
        if (marker < 0) throw new InvalidDataException($"README.md has no '{Marker} -->' marker before its REST example.");
        if (Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(Marker, StringComparison.Ordinal)) != marker)
            throw new InvalidDataException("README.md has the rest-score marker twice.");

        var (shell, end) = Fenced(lines, marker + 1, "bash", "sh", "shell");
        var command = string.Join(' ', Regex.Split(string.Join('\n', shell.Where(l => !l.TrimStart().StartsWith('#'))), @"\\\n")
            .Select(part => part.Trim())).Trim();
        if (command.Contains('\n')) throw new InvalidDataException("The marked block holds more than one command.");
        var (json, _) = Fenced(lines, end + 1, "json");
        return (command, string.Join('\n', json).Trim());
    }

    static (List<string> Body, int End) Fenced(string[] lines, int from, params string[] languages)
    {
        for (int i = from; i < lines.Length; i++)
        {
            var opening = lines[i].Trim();
            if (!opening.StartsWith("```", StringComparison.Ordinal)) continue;
            if (!languages.Contains(opening[3..].Trim())) throw new InvalidDataException($"Expected a ```{languages[0]} block at README line {i + 1}, found {opening}.");
            var body = new List<string>();
            for (int j = i + 1; j < lines.Length; j++)
            {
                if (lines[j].Trim() == "```") return (body, j);
                body.Add(lines[j]);
            }
            break;
        }
        throw new InvalidDataException($"No ```{languages[0]} block after README line {from}.");
    }

    static async Task<(int ExitCode, string Stdout, string Stderr)> RunBash(string command, string workingDirectory)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FiSAO.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("FiSAO.sln not found above the test assembly.");
    }

    static List<string> Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order()];
    static List<string?> Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString())];
}
