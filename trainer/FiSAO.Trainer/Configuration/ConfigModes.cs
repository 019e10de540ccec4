using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Configuration;

/// <summary><c>reward.source</c>: where r_t comes from.</summary>
[JsonConverter(typeof(ConfigModeConverter<RewardSourceKind>))]
public enum RewardSourceKind
{
    /// <summary>The FiSAO verifier over gRPC.</summary>
    [JsonStringEnumMemberName("verifier")] Verifier,

    /// <summary>A fixed toy reward on one piece (smoke tests of the optimiser, no verifier).</summary>
    [JsonStringEnumMemberName("toy-token")] ToyToken,
}

/// <summary><c>reward.mode</c>: FiSAO's token-level reward or the Table 4 sentence-level ablation.</summary>
[JsonConverter(typeof(ConfigModeConverter<RewardMode>))]
public enum RewardMode
{
    [JsonStringEnumMemberName("token")] Token,
    [JsonStringEnumMemberName("sentence")] Sentence,
}

/// <summary><c>reward.repeated_mentions</c>: which mentions of one object keep a positive reward.</summary>
[JsonConverter(typeof(ConfigModeConverter<RepeatedMentions>))]
public enum RepeatedMentions
{
    [JsonStringEnumMemberName("every")] Every,
    [JsonStringEnumMemberName("first")] First,
}

/// <summary>
/// <c>ppo.advantage_mode</c>: A_t = R_t (the paper), GAE over a value head, or the return-to-go
/// A_t = sum_{t' >= t} gamma^(t' - t) R_t' (no critic; credits a reward on a later token, e.g. the sentence reward on the
/// last one, to every earlier token).
/// </summary>
[JsonConverter(typeof(ConfigModeConverter<AdvantageMode>))]
public enum AdvantageMode
{
    [JsonStringEnumMemberName("token-reward")] TokenReward,
    [JsonStringEnumMemberName("gae")] Gae,
    [JsonStringEnumMemberName("return")] Return,
}

/// <summary>
/// <c>ppo.kl_estimator</c>: the per-token KL term of R_t. <c>k1</c> = log pi_theta(y_t) - log pi_ref(y_t) and <c>k3</c> =
/// (r - 1) - log r with r = pi_ref(y_t) / pi_theta(y_t) estimate KL(pi_theta || pi_ref) from the sampled token;
/// <c>full</c> is the exact D_KL[pi_ref || pi_theta] of the two next-token distributions over the vocabulary (Eq. 8's
/// direction).
/// </summary>
[JsonConverter(typeof(ConfigModeConverter<KlEstimator>))]
public enum KlEstimator
{
    [JsonStringEnumMemberName("k1")] K1,
    [JsonStringEnumMemberName("k3")] K3,
    [JsonStringEnumMemberName("full")] Full,
}

/// <summary>
/// <c>ppo.kl_tokens</c>: which response tokens carry the KL term: <c>all</c>, or <c>entities</c> (only the tokens of the
/// verifier's object mentions, as Eq. 8 writes it).
/// </summary>
[JsonConverter(typeof(ConfigModeConverter<KlTokens>))]
public enum KlTokens
{
    [JsonStringEnumMemberName("all")] All,
    [JsonStringEnumMemberName("entities")] Entities,
}

/// <summary><c>policy.attention</c>.</summary>
[JsonConverter(typeof(ConfigModeConverter<AttentionKind>))]
public enum AttentionKind
{
    [JsonStringEnumMemberName("sdpa")] Sdpa,
    [JsonStringEnumMemberName("eager")] Eager,
}

/// <summary>A config mode value that is not one of its names.</summary>
public sealed class ConfigModeException(string message) : JsonException(message);

/// <summary>
/// Reads and writes a config mode by its JSON name (<c>"token-reward"</c>, not <c>TokenReward</c>); any other value fails
/// with the names it could have been, which the loader reports under the key.
/// </summary>
public sealed class ConfigModeConverter<T> : JsonConverter<T> where T : struct, Enum
{
    private static readonly (T Value, string Name)[] Names = [.. typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => ((T)f.GetValue(null)!, f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))];

    public static string NameOf(T value) => Names.First(n => n.Value.Equals(value)).Name;

    public static string Alternatives => Names.Length == 2
        ? $"{Names[0].Name} or {Names[1].Name}"
        : string.Join(", ", Names[..^1].Select(n => n.Name)) + " or " + Names[^1].Name;

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"expected a string, one of {Alternatives}.");
        var text = reader.GetString();
        foreach (var (value, name) in Names)
            if (name == text) return value;
        throw new ConfigModeException($"'{text}' is not {Alternatives}");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(NameOf(value));
}

/// <summary>A config mode's JSON name (<c>AdvantageMode.TokenReward.Name()</c> = <c>token-reward</c>).</summary>
public static class ConfigModes
{
    public static string Name<T>(this T value) where T : struct, Enum => ConfigModeConverter<T>.NameOf(value);
}
