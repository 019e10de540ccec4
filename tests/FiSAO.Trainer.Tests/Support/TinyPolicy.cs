using FiSAO.Trainer.Policies;

namespace FiSAO.Trainer.Tests.Support;

/// <summary>
/// A tiny random LLaVA-style policy written once per test process as a real llava-hf folder (random 32 px CLIP tower,
/// 2-layer GQA decoder, word-level SentencePiece tokenizer without byte fallback, so sampling a given word is not rare).
/// </summary>
public static class TinyPolicy
{
    public static readonly string[] Words = ["a", "and", "big", "blue", "cat", "dog", "red", "small", "the", "is", "on", "mat"];

    private static readonly Lazy<string> Folder = new(() =>
    {
        var directory = Path.Combine(TestDirectories.Root, "tiny-policy");
        PolicyFolderWriter.Write(directory, WordPieceTokenizer.Build(Words, byteFallback: false), new PolicySpec { Seed = 3 });
        return directory;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Folder.Value;
}

public static class TestDirectories
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "fisao-trainer-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    public static string Root => RootFolder.Value;

    public static string New(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;
}
