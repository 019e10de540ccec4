using System.Runtime.CompilerServices;

namespace FiSAO.Verifier.Tests.Support;

/// <summary>
/// ASP.NET Core buffers large form files and request bodies to files in <c>ASPNETCORE_TEMP</c> (default: the system
/// temp folder, shared with every other process). This test process points it at a folder of its own before any host
/// starts, so a test can watch it and see whether the verifier ever spills a body to disk.
/// </summary>
public static class AspNetCoreTemp
{
    public static string Directory { get; } = Path.Combine(Path.GetTempPath(), $"fisao-verifier-tests-aspnet-{Environment.ProcessId}");

    [ModuleInitializer]
    internal static void PointAspNetCoreTempHere()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Environment.SetEnvironmentVariable("ASPNETCORE_TEMP", Directory);
    }
}
