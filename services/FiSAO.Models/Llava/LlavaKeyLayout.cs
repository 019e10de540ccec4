namespace FiSAO.Models.Llava;

/// <summary>
/// The two spellings of <c>LlavaForConditionalGeneration</c> weight names in transformers. Our module tree follows
/// <see cref="Legacy"/>; loading accepts both, and PEFT adapters can be written in either.
/// </summary>
public enum LlavaKeyLayout
{
    /// <summary>
    /// transformers &lt; 4.52 (and the files on the hub, e.g. llava-hf/llava-1.5-7b-hf): <c>vision_tower.vision_model.*</c>,
    /// <c>multi_modal_projector.*</c>, <c>language_model.model.*</c>, <c>language_model.lm_head.weight</c>.
    /// </summary>
    Legacy = 0,

    /// <summary>
    /// transformers &gt;= 4.52 (LlavaModel under <c>model</c>): <c>model.vision_tower.vision_model.*</c>,
    /// <c>model.multi_modal_projector.*</c>, <c>model.language_model.*</c> (no inner <c>model.</c>), <c>lm_head.weight</c>.
    /// </summary>
    Current,
}

/// <summary>Maps names between our (legacy-shaped) module tree and either transformers spelling.</summary>
public static class LlavaKeys
{
    /// <summary>(our prefix, current-layout prefix) pairs; every LLaVA name starts with exactly one of ours.</summary>
    private static readonly (string Legacy, string Current)[] Prefixes =
    [
        ("language_model.model.", "model.language_model."),
        ("language_model.lm_head.", "lm_head."),
        ("multi_modal_projector.", "model.multi_modal_projector."),
        ("vision_tower.", "model.vision_tower."),
    ];

    /// <summary>
    /// A name in our module tree (= <see cref="LlavaKeyLayout.Legacy"/>), parameter or module path, spelled for
    /// <paramref name="layout"/>. Module paths without a trailing dot (e.g. <c>language_model.lm_head</c>) map too.
    /// </summary>
    public static string ToLayout(string name, LlavaKeyLayout layout)
    {
        if (layout == LlavaKeyLayout.Legacy) return name;
        foreach (var (legacy, current) in Prefixes)
        {
            if (name.StartsWith(legacy, StringComparison.Ordinal)) return current + name[legacy.Length..];
            if (name == legacy[..^1]) return current[..^1];
        }
        throw new ArgumentException($"'{name}' is not a LlavaForConditionalGeneration name.", nameof(name));
    }

    /// <summary>The inverse of <see cref="ToLayout"/>: a name in <paramref name="layout"/> spelled for our module tree, or null.</summary>
    public static string? FromLayout(string name, LlavaKeyLayout layout)
    {
        foreach (var (legacy, current) in Prefixes)
        {
            var (from, to) = layout == LlavaKeyLayout.Legacy ? (legacy, legacy) : (current, legacy);
            if (name.StartsWith(from, StringComparison.Ordinal)) return to + name[from.Length..];
            if (name == from[..^1]) return to[..^1];
        }
        return null;
    }

    /// <summary>(our module prefix, checkpoint prefix) for the four parts of the model, in <paramref name="layout"/>.</summary>
    public static IReadOnlyList<(string Ours, string Checkpoint)> PartPrefixes(LlavaKeyLayout layout) =>
        Prefixes.Select(p => (p.Legacy, layout == LlavaKeyLayout.Legacy ? p.Legacy : p.Current)).ToArray();
}
