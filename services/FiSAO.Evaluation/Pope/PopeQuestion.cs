using System.Text.Json.Serialization;

namespace FiSAO.Evaluation.Pope;

/// <summary>The three ways POPE picks the absent objects it asks about (Li et al. 2023).</summary>
public enum PopeSplit
{
    /// <summary>Any object of the dataset the image lacks.</summary>
    Random,

    /// <summary>The dataset's most frequent objects the image lacks.</summary>
    Popular,

    /// <summary>The objects that co-occur most often with the present object just asked about.</summary>
    Adversarial,
}

/// <summary>One POPE question, as in POPE's files (<c>question_id</c>, <c>image</c>, <c>text</c>, <c>label</c>) plus the
/// object it asks about.</summary>
public sealed record PopeQuestion(
    [property: JsonPropertyName("question_id")] long QuestionId,
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("object")] string Object)
{
    public const string Yes = "yes", No = "no";

    /// <summary>POPE's template.</summary>
    public const string Template = "Is there a {0} in the image?";

    /// <summary>The question about <paramref name="obj"/>: "an" before a vowel, as POPE's <c>create_question</c> intends.</summary>
    public static string Ask(string obj) =>
        "aeiou".Contains(obj[0]) ? string.Format(Template.Replace("a {0}", "an {0}", StringComparison.Ordinal), obj) : string.Format(Template, obj);

    public bool IsYes => Label == Yes;

    public static PopeSplit ParseSplit(string name) => name.ToLowerInvariant() switch
    {
        "random" => PopeSplit.Random,
        "popular" => PopeSplit.Popular,
        "adversarial" => PopeSplit.Adversarial,
        _ => throw new ArgumentException($"POPE split '{name}' is none of random, popular, adversarial.", nameof(name)),
    };

    public static string Name(PopeSplit split) => split.ToString().ToLowerInvariant();
}
