namespace FiSAO.Rewards.Tests;

public sealed class CalibrationJsonTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fisao-calibration-tests-" + Guid.NewGuid().ToString("N"));

    private const string Minimal = """
        { "mu_gt": 26.5, "mu_hal": 16.25, "s_min": 12, "s_max": 32, "correct_count": 4, "hallucinated_count": 3 }
        """;

    public CalibrationJsonTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Calibration Full() => new()
    {
        MuGt = 26.123456789012345,
        MuHal = 16.1,
        SMin = 12,
        SMax = 32.000000000000007,
        CorrectCount = 4,
        HallucinatedCount = 3,
        StdGt = Math.Sqrt(20),
        StdHal = Math.Sqrt(32.0 / 3),
        Auroc = 11.5 / 12,
        Histogram = new CalibrationHistogram(12, 32, [0, 1, 1, 2], [2, 1, 0, 0]),
        ModelId = "openai/clip-vit-large-patch14-336",
        EntitySetHash = "sha256:abc",
        MentionTemplate = "a photo of a {}",
        CreatedUtc = new DateTimeOffset(2026, 11, 26, 8, 30, 0, 123, TimeSpan.Zero),
    };

    private string Write(string json)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private CalibrationLoadException LoadFails(string json)
    {
        var path = Write(json);
        var e = Assert.Throws<CalibrationLoadException>(() => Calibration.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.SourceName);
        return e;
    }

    [Fact]
    public void Save_then_load_round_trips_every_field_exactly()
    {
        var path = Path.Combine(_directory, "sub", "calibration.json");
        var original = Full();
        original.Save(path);
        Assert.Equal(original, Calibration.Load(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Json_uses_snake_case_names()
    {
        var json = Full().ToJson();
        foreach (var name in new[] { "format_version", "mu_gt", "mu_hal", "s_min", "s_max", "correct_count", "hallucinated_count", "std_gt", "std_hal", "auroc", "histogram", "model_id", "entity_set_hash", "mention_template", "created_utc" })
        {
            Assert.Contains($"\"{name}\":", json);
        }
    }

    [Fact]
    public void Minimal_file_with_only_required_fields_loads()
    {
        var c = Calibration.Parse(Minimal);
        Assert.Equal(26.5, c.MuGt);
        Assert.Equal(16.25, c.MuHal);
        Assert.Equal(12, c.SMin);
        Assert.Equal(32, c.SMax);
        Assert.Equal(4, c.CorrectCount);
        Assert.Equal(3, c.HallucinatedCount);
        Assert.Null(c.Histogram);
        Assert.Null(c.CreatedUtc);
        Assert.Null(c.MentionTemplate);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        Assert.Equal(26.5, Calibration.Parse(Minimal.Replace("{", "{ \"notes\": \"extra\",")).MuGt);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var path = Path.Combine(_directory, "absent.json");
        var e = Assert.Throws<CalibrationLoadException>(() => Calibration.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Invalid_json_is_reported()
    {
        Assert.Contains("not valid JSON", LoadFails("{ \"mu_gt\": ").Message);
    }

    [Fact]
    public void Top_level_that_is_not_an_object_is_reported()
    {
        Assert.Contains("must be a JSON object", LoadFails("[1, 2]").Message);
    }

    [Theory]
    [InlineData("mu_gt")]
    [InlineData("mu_hal")]
    [InlineData("s_min")]
    [InlineData("s_max")]
    [InlineData("correct_count")]
    [InlineData("hallucinated_count")]
    public void Missing_required_field_is_named(string field)
    {
        var json = System.Text.RegularExpressions.Regex.Replace(Minimal, $"\"{field}\": [^,}}]+,? ?", "").Replace(", }", " }");
        Assert.Contains($"required field '{field}' is missing", LoadFails(json).Message);
    }

    [Fact]
    public void Null_required_field_counts_as_missing()
    {
        Assert.Contains("required field 'mu_hal' is missing", LoadFails(Minimal.Replace("16.25", "null")).Message);
    }

    [Fact]
    public void Field_that_is_not_a_number_is_named_with_what_was_found()
    {
        var e = LoadFails(Minimal.Replace("26.5", "\"26.5\""));
        Assert.Contains("field 'mu_gt' is not a number (found the string \"26.5\")", e.Message);
    }

    [Theory]
    [InlineData("3.5")]
    [InlineData("-3")]
    [InlineData("true")]
    public void Count_that_is_not_a_non_negative_integer_is_reported(string value)
    {
        var e = LoadFails(Minimal.Replace("\"hallucinated_count\": 3", $"\"hallucinated_count\": {value}"));
        Assert.Contains("field 'hallucinated_count' is not a non-negative integer", e.Message);
    }

    [Fact]
    public void S_min_above_s_max_is_reported()
    {
        var e = LoadFails(Minimal.Replace("\"s_min\": 12", "\"s_min\": 40"));
        Assert.Contains("s_min (40) > s_max (32)", e.Message);
    }

    [Fact]
    public void Mean_outside_the_bounds_is_reported()
    {
        var e = LoadFails(Minimal.Replace("26.5", "33"));
        Assert.Contains("mu_gt (33) lies outside [s_min, s_max] = [12, 32]", e.Message);
    }

    [Fact]
    public void Zero_count_is_reported()
    {
        Assert.Contains("correct_count must be >= 1", LoadFails(Minimal.Replace("\"correct_count\": 4", "\"correct_count\": 0")).Message);
    }

    [Fact]
    public void Unsupported_format_version_is_reported()
    {
        Assert.Contains("format_version 2 is not supported", LoadFails(Minimal.Replace("{", "{ \"format_version\": 2,")).Message);
    }

    [Fact]
    public void Bad_timestamp_is_reported()
    {
        Assert.Contains("field 'created_utc' is not an ISO 8601 timestamp", LoadFails(Minimal.Replace("{", "{ \"created_utc\": \"yesterday\",")).Message);
    }

    [Fact]
    public void Histogram_that_does_not_add_up_is_reported()
    {
        var json = Minimal.Replace("{", "{ \"histogram\": { \"min\": 12, \"max\": 32, \"correct\": [1, 1], \"hallucinated\": [3, 0] },");
        Assert.Contains("do not add up to correct_count (4)", LoadFails(json).Message);
    }

    [Fact]
    public void Histogram_with_a_bad_count_names_its_element()
    {
        var json = Minimal.Replace("{", "{ \"histogram\": { \"min\": 12, \"max\": 32, \"correct\": [4, \"x\"], \"hallucinated\": [3, 0] },");
        Assert.Contains("field 'histogram.correct[1]'", LoadFails(json).Message);
    }

    [Fact]
    public void Parse_names_the_given_source()
    {
        var e = Assert.Throws<CalibrationLoadException>(() => Calibration.Parse("{}", "verifier config"));
        Assert.StartsWith("Cannot load calibration from 'verifier config': required field 'mu_gt' is missing", e.Message);
    }

    [Fact]
    public void Provenance_mismatches_are_listed_and_unknowns_are_not()
    {
        var c = Full();
        Assert.Empty(c.FindProvenanceMismatches("openai/clip-vit-large-patch14-336", null, "a photo of a {}"));
        var mismatches = c.FindProvenanceMismatches("other-model", "sha256:def", "{}");
        Assert.Equal(3, mismatches.Count);
        Assert.Contains("model_id is \"openai/clip-vit-large-patch14-336\" but the current one is \"other-model\"", mismatches[0]);
        Assert.Empty((c with { ModelId = null }).FindProvenanceMismatches("any", null, null));
    }

    [Fact]
    public void Inverted_flag_and_separation_describe_the_means()
    {
        var c = Calibration.Parse(Minimal);
        Assert.False(c.IsInverted);
        Assert.Equal(10.25, c.Separation);
        Assert.True((c with { MuGt = 15, MuHal = 16.25 }).IsInverted);
    }
}
