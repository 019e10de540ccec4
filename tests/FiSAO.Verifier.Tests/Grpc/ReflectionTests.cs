using FiSAO.Verifier.Tests.Support;
using Grpc.Reflection.V1Alpha;

namespace FiSAO.Verifier.Tests.Grpc;

public class ReflectionTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Server_reflection_lists_the_verifier_and_health_services()
    {
        var client = new ServerReflection.ServerReflectionClient(fixture.Host.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("fisao.verifier.v1.Verifier", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
