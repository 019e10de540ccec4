using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FiSAO.Client;

/// <summary>Checks every setting (ranges of each options class, then how settings relate), reporting all problems at
/// once. Used by dependency injection (at start-up) and by the <see cref="FiSAOVerifierClient"/> constructor.</summary>
public sealed class FiSAOClientOptionsValidator : IValidateOptions<FiSAOClientOptions>
{
    public ValidateOptionsResult Validate(string? name, FiSAOClientOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem, if there is one.</summary>
    public static void ThrowIfInvalid(FiSAOClientOptions options)
    {
        var problems = Problems(options);
        if (problems.Count > 0)
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(FiSAOClientOptions), problems);
    }

    public static IReadOnlyList<string> Problems(FiSAOClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Annotations(options, "", problems);
        Annotations(options.Resilience, "Resilience:", problems);
        Annotations(options.Resilience.CircuitBreaker, "Resilience:CircuitBreaker:", problems);
        Annotations(options.Batch, "Batch:", problems);

        problems.AddRange(VerifierEndpoints.Parse(options.Addresses, options.UseTls).Problems);
        var r = options.Resilience;
        if (r.BaseDelay > r.MaxDelay)
            problems.Add($"Resilience:BaseDelay ({r.BaseDelay}) is longer than Resilience:MaxDelay ({r.MaxDelay}).");
        if (r.AttemptTimeout > r.TotalTimeout)
            problems.Add($"Resilience:AttemptTimeout ({r.AttemptTimeout}) is longer than Resilience:TotalTimeout ({r.TotalTimeout}): no attempt could use it.");
        if (options.InitialReconnectBackoff > options.MaxReconnectBackoff)
            problems.Add($"InitialReconnectBackoff ({options.InitialReconnectBackoff}) is longer than MaxReconnectBackoff ({options.MaxReconnectBackoff}).");
        return problems;
    }

    static void Annotations(object instance, string prefix, List<string> problems)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
            problems.AddRange(results.Select(r => $"{prefix}{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
    }
}
