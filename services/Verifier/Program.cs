using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Commands;

// Help starts nothing: no host, no model.
if (args.Length > 0 && args[0] is "--help" or "-h" or "-?" or "help")
{
    Console.WriteLine(VerifierUsage.Text);
    return 0;
}
if (args.Length > 0 && args[0] == "calibrate")
    return await CalibrateCommand.RunAsync(args[1..], Console.Out, Console.Error);
if (args.Length > 0 && args[0] == "report")
{
    Console.Error.WriteLine("fisao-verifier: the Figure 1 report moved to the shapes-world tools: " +
                            "dotnet run --project services/FiSAO.ShapesWorld.Cli -c Release -- report --out reports/figure1");
    return 2;
}
// A gRPC health check against a running verifier (container HEALTHCHECK); starts no host, loads no model.
if (args.Length > 0 && args[0] == "health")
    return await HealthProbe.RunAsync(args[1..], Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.AddVerifier(args);
var app = builder.Build();
try
{
    app.MapVerifier();
}
catch (VerifierStartupException e)
{
    Console.Error.WriteLine($"fisao-verifier: {e.Message}");
    return 2;
}
app.Run();
return 0;

/// <summary>Entry point, visible to tests that host the verifier in-process.</summary>
public partial class Program;
