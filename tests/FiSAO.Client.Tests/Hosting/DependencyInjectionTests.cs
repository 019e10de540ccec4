using FiSAO.Client.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FiSAO.Client.Tests.Hosting;

public class DependencyInjectionTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task The_client_is_bound_from_a_configuration_section_and_answers_from_the_host()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FiSAO:Verifier:Addresses:0"] = fixture.Verifier.Address,
            ["FiSAO:Verifier:Resilience:MaxAttempts"] = "3",
            ["FiSAO:Verifier:Resilience:AttemptTimeout"] = "00:00:07",
            ["FiSAO:Verifier:Batch:MaxConcurrentCalls"] = "2",
        });
        builder.Services.AddFiSAOVerifierClient(builder.Configuration.GetSection(FiSAOClientOptions.DefaultSection));
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<FiSAOClientOptions>>().Value;
        Assert.Equal([fixture.Verifier.Address], options.Addresses);
        Assert.Equal(3, options.Resilience.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Resilience.AttemptTimeout);
        Assert.Equal(2, options.Batch.MaxConcurrentCalls);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Resilience.TotalTimeout); // an unset key keeps its default

        var client = host.Services.GetRequiredService<IFiSAOVerifierClient>();
        Assert.Same(host.Services.GetRequiredService<FiSAOVerifierClient>(), client);
        var info = await client.GetInfoAsync();
        Assert.StartsWith("tiny-clip@", info.ModelId);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_delegate_overload_configures_the_same_singleton()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddFiSAOVerifierClient(o =>
        {
            o.Addresses.Add(fixture.Verifier.Address);
            o.Batch.MaxItemsPerCall = 10;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IFiSAOVerifierClient>();
        Assert.Same(client, provider.GetRequiredService<IFiSAOVerifierClient>());
        var embedding = await client.EmbedTextAsync("a dog");
        Assert.Equal(16, embedding.Embedding.Count);
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_up_and_name_every_problem()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddFiSAOVerifierClient(o =>
        {
            o.Resilience.AttemptTimeout = TimeSpan.FromMinutes(10);
            o.Resilience.TotalTimeout = TimeSpan.FromMinutes(1);
            o.Resilience.MaxAttempts = 0;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("Addresses is empty"));
        Assert.Contains(error.Failures, f => f.Contains("AttemptTimeout") && f.Contains("TotalTimeout"));
        Assert.Contains(error.Failures, f => f.StartsWith("Resilience:MaxAttempts"));
    }
}
