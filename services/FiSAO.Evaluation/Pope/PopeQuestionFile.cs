using System.Text.Json;
using System.Text.RegularExpressions;
using FiSAO.Evaluation.Coco;

namespace FiSAO.Evaluation.Pope;

/// <summary>
/// POPE's question files (<c>coco_pope_random.json</c> and the like): one JSON object a line with <c>question_id</c>,
/// <c>image</c> (a file name), <c>text</c> and <c>label</c> (yes/no). The object is read from the question ("Is there a
/// dining table in the image?"); an optional <c>object</c> field wins.
/// </summary>
public static partial class PopeQuestionFile
{
    public static IReadOnlyList<PopeQuestion> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"POPE question file {path} does not exist.", path);
        var questions = new List<PopeQuestion>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement e;
            try
            {
                using var doc = JsonDocument.Parse(text);
                e = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{line}: not a JSON object: {ex.Message}");
            }
            string Field(string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()! : throw new InvalidDataException($"{path}:{line}: field '{name}' is missing or not a string.");
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("question_id", out var idElement) || !idElement.TryGetInt64(out var id))
                throw new InvalidDataException($"{path}:{line}: field 'question_id' is missing or not an integer.");
            var label = Field("label").Trim().ToLowerInvariant();
            if (label is not (PopeQuestion.Yes or PopeQuestion.No))
                throw new InvalidDataException($"{path}:{line}: field 'label' is '{Field("label")}'; POPE labels are 'yes' or 'no'.");
            var question = Field("text");
            var obj = e.TryGetProperty("object", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()! : ObjectOf(question)
                ?? throw new InvalidDataException($"{path}:{line}: field 'text' is not POPE's \"Is there a/an <object> in the image?\" and there is no 'object' field.");
            questions.Add(new PopeQuestion(id, Field("image"), question, label, obj));
        }
        if (questions.Count == 0) throw new InvalidDataException($"{path} holds no questions.");
        return questions;
    }

    public static void Write(string path, IEnumerable<PopeQuestion> questions)
    {
        using var writer = new StreamWriter(path);
        foreach (var q in questions) writer.WriteLine(JsonSerializer.Serialize(q));
    }

    /// <summary>The object of a POPE question ("Is there an apple in the image?" -> apple), null when it is not one.</summary>
    public static string? ObjectOf(string question) => QuestionPattern().Match(question) is { Success: true } m ? m.Groups[1].Value : null;

    // POPE's own files spell the template "in the imange?" for objects after "an" (create_question replaces every 'a').
    [GeneratedRegex(@"^\s*Is there an? (.+?) in the ima?n?ge\?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex QuestionPattern();
}
