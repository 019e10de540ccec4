using System.Globalization;

namespace FiSAO.Rewards;

/// <summary>Which token(s) of a multi-token entity mention carry the mention's reward.</summary>
public enum RewardPlacement
{
    /// <summary>The token that completes the mention (default; METHOD.md section 4).</summary>
    Last = 0,

    /// <summary>The first token of the mention.</summary>
    First = 1,

    /// <summary>Every token of the mention gets the full reward (not split).</summary>
    All = 2,
}

/// <summary>Denominator of the negative (hallucination) branch of Eq. 8.</summary>
public enum HallucinationDenominator
{
    /// <summary><c>(mu_hal - lambda) - S_min</c>: maps [S_min, mu_hal - lambda) onto [-1, 0) (default).</summary>
    MuHalMinusMargin = 0,

    /// <summary><c>(mu_gt - lambda) - S_min</c>, as printed in the paper's Appendix A.1.5; never reaches -1 when mu_gt &gt; mu_hal.</summary>
    PaperLiteral = 1,
}

/// <summary>Where S_min and S_max of Eq. 8 come from.</summary>
public enum ScoreBoundsSource
{
    /// <summary>The smallest and largest score seen in calibration (default).</summary>
    Calibration = 0,

    /// <summary><see cref="RewardSettings.SMin"/> and <see cref="RewardSettings.SMax"/>.</summary>
    Explicit = 1,
}

/// <summary>
/// Settings of the token reward (Eq. 8). Bindable from configuration (section <see cref="SectionName"/>):
/// every property has a public setter and enums bind from their names. Call <see cref="Validate"/> (or
/// <see cref="ThrowIfInvalid"/>) after binding; <see cref="RewardFunction"/> validates again.
/// See docs/rewards.md for each default and why.
/// </summary>
public sealed class RewardSettings
{
    /// <summary>Conventional configuration section name.</summary>
    public const string SectionName = "Rewards";

    /// <summary>The placeholder that <see cref="MentionTemplate"/> must contain exactly once.</summary>
    public const string Placeholder = "{}";

    /// <summary>
    /// Margin lambda of Eq. 8, in score units (the units of S = scale * cosine; 100 * cosine for OpenAI CLIP).
    /// Positive rewards start above mu_gt + lambda, negative ones below mu_hal - lambda. Default 0: the
    /// paper's value is not recoverable from its text (Table 5/7 bodies); see docs/rewards.md.
    /// </summary>
    public double Margin { get; set; }

    /// <summary>Which token(s) of a mention carry its reward. Default <see cref="RewardPlacement.Last"/>.</summary>
    public RewardPlacement Placement { get; set; } = RewardPlacement.Last;

    /// <summary>
    /// Text that is embedded for an entity mention, with <see cref="Placeholder"/> standing for the entity
    /// word, e.g. <c>"a photo of a {}"</c>. Default <c>"{}"</c> (the bare word). A calibration is only valid
    /// for the template it was made with.
    /// </summary>
    public string MentionTemplate { get; set; } = Placeholder;

    /// <summary>Denominator of the negative branch. Default <see cref="FiSAO.Rewards.HallucinationDenominator.MuHalMinusMargin"/>.</summary>
    public HallucinationDenominator HallucinationDenominator { get; set; } = HallucinationDenominator.MuHalMinusMargin;

    /// <summary>Where S_min/S_max come from. Default <see cref="ScoreBoundsSource.Calibration"/>.</summary>
    public ScoreBoundsSource ScoreBounds { get; set; } = ScoreBoundsSource.Calibration;

    /// <summary>S_min when <see cref="ScoreBounds"/> is <see cref="ScoreBoundsSource.Explicit"/>; must be unset otherwise.</summary>
    public double? SMin { get; set; }

    /// <summary>S_max when <see cref="ScoreBounds"/> is <see cref="ScoreBoundsSource.Explicit"/>; must be unset otherwise.</summary>
    public double? SMax { get; set; }

    /// <summary>Clip every reward to [-1, 1] (scores beyond S_min/S_max would otherwise exceed it). Default true.</summary>
    public bool ClipToUnitRange { get; set; } = true;

    /// <summary>Every problem with these settings, one sentence each; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!double.IsFinite(Margin))
        {
            errors.Add($"Rewards:Margin must be a finite number; got {Format(Margin)}.");
        }
        else if (Margin < 0)
        {
            errors.Add($"Rewards:Margin (lambda) must be >= 0; got {Format(Margin)}.");
        }

        if (!Enum.IsDefined(Placement))
        {
            errors.Add($"Rewards:Placement must be one of {string.Join(", ", Enum.GetNames<RewardPlacement>())}; got {(int)Placement}.");
        }

        if (!Enum.IsDefined(HallucinationDenominator))
        {
            errors.Add($"Rewards:HallucinationDenominator must be one of {string.Join(", ", Enum.GetNames<HallucinationDenominator>())}; got {(int)HallucinationDenominator}.");
        }

        if (MentionTemplate is null)
        {
            errors.Add($"Rewards:MentionTemplate must be set; use \"{Placeholder}\" for the bare entity word.");
        }
        else
        {
            var count = CountPlaceholders(MentionTemplate);
            if (count != 1)
            {
                errors.Add(
                    $"Rewards:MentionTemplate must contain the placeholder \"{Placeholder}\" exactly once; " +
                    $"\"{MentionTemplate}\" contains it {count} time(s).");
            }
        }

        switch (ScoreBounds)
        {
            case ScoreBoundsSource.Calibration:
                if (SMin is not null || SMax is not null)
                {
                    errors.Add(
                        "Rewards:SMin/SMax are set but Rewards:ScoreBounds is Calibration, so they would be ignored; " +
                        "set ScoreBounds to Explicit or remove them.");
                }

                break;
            case ScoreBoundsSource.Explicit:
                if (SMin is null || SMax is null)
                {
                    errors.Add("Rewards:ScoreBounds is Explicit, so both Rewards:SMin and Rewards:SMax must be set.");
                }
                else if (!double.IsFinite(SMin.Value) || !double.IsFinite(SMax.Value))
                {
                    errors.Add($"Rewards:SMin and Rewards:SMax must be finite; got {Format(SMin.Value)} and {Format(SMax.Value)}.");
                }
                else if (SMin.Value >= SMax.Value)
                {
                    errors.Add($"Rewards:SMin must be < Rewards:SMax; got SMin = {Format(SMin.Value)}, SMax = {Format(SMax.Value)}.");
                }

                break;
            default:
                errors.Add($"Rewards:ScoreBounds must be one of {string.Join(", ", Enum.GetNames<ScoreBoundsSource>())}; got {(int)ScoreBounds}.");
                break;
        }

        return errors;
    }

    /// <summary>Throws <see cref="InvalidRewardSettingsException"/> listing every problem, if any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRewardSettingsException(errors);
        }
    }

    /// <summary>The text to embed for <paramref name="entity"/>: the template with its placeholder replaced.</summary>
    public string FormatMention(string entity) => FormatMention(MentionTemplate, entity);

    /// <summary>Replaces the single <see cref="Placeholder"/> of <paramref name="template"/> with <paramref name="entity"/>.</summary>
    public static string FormatMention(string template, string entity)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(entity);
        var index = template.IndexOf(Placeholder, StringComparison.Ordinal);
        if (index < 0 || CountPlaceholders(template) != 1)
        {
            throw new ArgumentException(
                $"Mention template \"{template}\" must contain \"{Placeholder}\" exactly once.", nameof(template));
        }

        return string.Concat(template.AsSpan(0, index), entity, template.AsSpan(index + Placeholder.Length));
    }

    /// <summary>A copy of these settings (they are mutable for binding).</summary>
    public RewardSettings Clone() => (RewardSettings)MemberwiseClone();

    private static int CountPlaceholders(string template)
    {
        var count = 0;
        var at = 0;
        while ((at = template.IndexOf(Placeholder, at, StringComparison.Ordinal)) >= 0)
        {
            count++;
            at += Placeholder.Length;
        }

        return count;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Reward settings failed validation; <see cref="Errors"/> lists every problem.</summary>
public sealed class InvalidRewardSettingsException : Exception
{
    public InvalidRewardSettingsException(IReadOnlyList<string> errors)
        : base("Invalid reward settings: " + string.Join(" ", errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}
