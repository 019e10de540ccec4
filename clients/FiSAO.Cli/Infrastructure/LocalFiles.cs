namespace FiSAO.Cli;

/// <summary>Reading the files a command names; any problem is a usage error (exit 2) that names the file.</summary>
internal static class LocalFiles
{
    public static byte[] ReadBytes(string path, string what)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"cannot read the {what} '{path}': {Reason(e)}", e);
        }
    }

    public static string ReadText(string path, string what)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"cannot read the {what} '{path}': {Reason(e)}", e);
        }
    }

    static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
