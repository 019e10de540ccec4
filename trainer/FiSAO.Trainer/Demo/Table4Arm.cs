using System.Globalization;
using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Demo;

/// <summary>How an arm trains: PPO, or best-of-n sampling under the token rewards followed by a LoRA SFT.</summary>
public enum Table4ArmKind
{
    Ppo,
    BestOfNSft,
}

/// <summary>One point of an arm's validation grid (xi is PPO's KL coefficient; the SFT arm has none).</summary>
public sealed record Table4Setting(
    [property: JsonPropertyName("xi")] double? Xi,
    [property: JsonPropertyName("learning_rate")] double LearningRate)
{
    [JsonIgnore]
    public string Folder => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"xi-{xi:R}_lr-{LearningRate:R}")
        : string.Create(CultureInfo.InvariantCulture, $"lr-{LearningRate:R}");

    [JsonIgnore]
    public IEnumerable<string> Overrides => Xi is { } xi
        ? [string.Create(CultureInfo.InvariantCulture, $"ppo.xi={xi:R}"), string.Create(CultureInfo.InvariantCulture, $"ppo.learning_rate={LearningRate:R}")]
        : [string.Create(CultureInfo.InvariantCulture, $"ppo.learning_rate={LearningRate:R}")];

    public override string ToString() => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"xi {xi}, lr {LearningRate}")
        : string.Create(CultureInfo.InvariantCulture, $"lr {LearningRate}");
}

/// <summary>
/// A row of the shapes world's Table 4: its name (folder and <c>--arms</c> value), the label the table prints, and the
/// trainer settings that make it (applied as <c>--set</c> overrides on the demo's PPO config).
/// </summary>
public sealed record Table4Arm(string Name, string Label, Table4ArmKind Kind, IReadOnlyList<string> Overrides)
{
    /// <summary>The paper's Table 4 rows, plus the estimator control. Sentence: the reward on the last token credited to
    /// every token as a return (gamma 1); token: FiSAO's A_t = R_t; token-return: token rewards under the sentence arm's
    /// estimator, so sentence vs token-return isolates the reward's granularity.</summary>
    public static IReadOnlyList<Table4Arm> All { get; } =
    [
        new("sentence", "PPO, sentence-level reward (return, gamma 1)", Table4ArmKind.Ppo,
            ["reward.mode=sentence", "ppo.advantage_mode=return", "ppo.gamma=1"]),
        new("token", "PPO, token-level reward (FiSAO: A_t = R_t)", Table4ArmKind.Ppo,
            ["reward.mode=token", "ppo.advantage_mode=token-reward"]),
        new("token-return", "PPO, token-level reward, return estimator (gamma 1; control)", Table4ArmKind.Ppo,
            ["reward.mode=token", "ppo.advantage_mode=return", "ppo.gamma=1"]),
        new("best-of-8-sft", "token-level reward without PPO: best-of-8 + LoRA SFT", Table4ArmKind.BestOfNSft,
            ["reward.mode=token"]),
    ];

    public static Table4Arm Named(string name) => All.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"--arms: '{name}' is none of {string.Join(", ", All.Select(a => a.Name))}.");

    /// <summary>The arm's grid: xi x learning rate for PPO, the learning rates for the SFT arm (it has no KL term).</summary>
    public IReadOnlyList<Table4Setting> Grid(IReadOnlyList<double> xis, IReadOnlyList<double> learningRates) => Kind == Table4ArmKind.Ppo
        ? [.. xis.SelectMany(xi => learningRates.Select(lr => new Table4Setting(xi, lr)))]
        : [.. learningRates.Select(lr => new Table4Setting(null, lr))];
}
