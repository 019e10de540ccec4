using FiSAO.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="FiSAOVerifierClient"/> (and <see cref="IFiSAOVerifierClient"/>) as a singleton for
/// ASP.NET Core and generic-host applications. The options are validated when the host starts.</summary>
public static class FiSAOClientServiceCollectionExtensions
{
    /// <summary>Binds <see cref="FiSAOClientOptions"/> to <paramref name="configuration"/>, e.g.
    /// <c>builder.Configuration.GetSection(FiSAOClientOptions.DefaultSection)</c>.</summary>
    public static IServiceCollection AddFiSAOVerifierClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FiSAOClientOptions>().Bind(configuration).ValidateOnStart();
        return services.AddClient();
    }

    /// <summary>Configures <see cref="FiSAOClientOptions"/> in code.</summary>
    public static IServiceCollection AddFiSAOVerifierClient(this IServiceCollection services, Action<FiSAOClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FiSAOClientOptions>().Configure(configure).ValidateOnStart();
        return services.AddClient();
    }

    static IServiceCollection AddClient(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FiSAOClientOptions>, FiSAOClientOptionsValidator>());
        services.TryAddSingleton(sp => new FiSAOVerifierClient(sp.GetRequiredService<IOptions<FiSAOClientOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IFiSAOVerifierClient>(sp => sp.GetRequiredService<FiSAOVerifierClient>());
        return services;
    }
}
