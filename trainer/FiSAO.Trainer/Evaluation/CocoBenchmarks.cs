using System.Diagnostics;
using System.Text.Json;
using FiSAO.Evaluation.Coco;
using FiSAO.Evaluation.Pope;
using FiSAO.Evaluation.Reports;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;
using FiSAO.Trainer.Rollouts;

namespace FiSAO.Trainer.Evaluation;

/// <summary>What <c>fisao-trainer evaluate</c> runs.</summary>
public sealed record BenchmarkOptions : CocoPolicyOptions
{
    public bool Chair { get; init; }
    public IReadOnlyList<PopeSplit> PopeSplits { get; init; } = [];

    /// <summary>CHAIR images (the literature: 500 COCO val2014 images).</summary>
    public int Images { get; init; } = 500;
    public long Seed { get; init; }
    public string Prompt { get; init; } = DefaultPrompt;
    public const string DefaultPrompt = "Describe this image in detail.";
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>0: greedy decoding; above 0: sampling, seeded per image.</summary>
    public double Temperature { get; init; }

    /// <summary>An official POPE question file (used for every split asked for); null: built from the split's instances.</summary>
    public string? PopeQuestions { get; init; }

    /// <summary>Images POPE draws (POPE: 500, 3 present + 3 absent objects each).</summary>
    public int PopeImages { get; init; } = 500;
    public int PopeMaxNewTokens { get; init; } = 16;

    /// <summary>Appended to each POPE question (LLaVA-1.5's evaluation prompt).</summary>
    public string PopeInstruction { get; init; } = "\nAnswer the question using a single word or phrase.";
    public int BatchSize { get; init; } = 8;
    public required string Out { get; init; }

    public static string ItemsPath(string summaryPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(summaryPath))!, Path.GetFileNameWithoutExtension(summaryPath) + ".items.jsonl");
}

/// <summary>
/// CHAIR and POPE of one policy (+ adapters) on a COCO-format split: the numbers hallucination papers report. CHAIR:
/// seeded images, one caption each, judged against the image's objects (instances + reference captions, as CHAIR builds
/// its ground truth); CHAIR_i counts every occurrence. POPE: per split, the official questions or ones built from the
/// instances as POPE builds them; answers read as POPE reads them. Writes the summary JSON and, beside it, one JSON line per
/// caption and per question (<see cref="BenchmarkOptions.ItemsPath"/>).
/// </summary>
public static class CocoBenchmarks
{
    private static readonly JsonSerializerOptions Line = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static EvaluationSummary Run(BenchmarkOptions o, Action<string> log)
    {
        var watch = Stopwatch.StartNew();
        var dataset = CocoReader.Read(o.Coco, o.CocoSplit);
        var chair = o.ChairJudge();
        var objects = new CocoObjects(chair);
        var itemsPath = BenchmarkOptions.ItemsPath(o.Out);
        using var items = new StreamWriter(itemsPath) { NewLine = "\n" };
        using var policy = o.LoadPolicy();

        ChairSummary? chairSummary = null;
        if (o.Chair)
        {
            chairSummary = Chair(o, dataset, objects, policy, items);
            log($"CHAIR on {chairSummary.Images} images: CHAIR_s {chairSummary.ChairS:P1}, CHAIR_i {chairSummary.ChairI:P1}, recall {chairSummary.Recall:P1}, " +
                $"{chairSummary.MeanLengthWords:F1} words ({watch.Elapsed.TotalSeconds:F0} s)");
        }
        SortedDictionary<string, PopeMetrics>? pope = null;
        SortedDictionary<string, string>? sources = null;
        if (o.PopeSplits.Count > 0)
        {
            (pope, sources) = ([], []);
            var all = o.PopeQuestions is null ? objects.All(dataset) : null;
            foreach (var split in o.PopeSplits)
            {
                var name = PopeQuestion.Name(split);
                var questions = o.PopeQuestions is { } file ? PopeQuestionFile.Read(file) : PopeBuilder.Build(all!, split, Math.Min(o.PopeImages, Eligible(all!)), o.Seed);
                sources[name] = o.PopeQuestions ?? $"built from {CocoDataset.InstancesPath(o.Coco, o.CocoSplit)} (seed {o.Seed}, {questions.Select(q => q.Image).Distinct().Count()} images)";
                pope[name] = Pope(o, name, questions, dataset, objects, policy, items);
                var m = pope[name];
                log($"POPE {name}: {m.Questions} questions, accuracy {m.Accuracy:P1}, precision {m.Precision:P1}, recall {m.Recall:P1}, F1 {m.F1:P1}, " +
                    $"yes {m.YesRatio:P1} ({watch.Elapsed.TotalSeconds:F0} s)");
            }
        }
        var summary = new EvaluationSummary
        {
            Policy = Path.GetFullPath(o.Policy),
            Adapters = o.Adapters is null ? null : Path.GetFullPath(o.Adapters),
            Coco = dataset.Directory,
            CocoSplit = o.CocoSplit,
            Seed = o.Seed,
            Temperature = o.Temperature,
            MaxNewTokens = o.MaxNewTokens,
            Chair = chairSummary,
            Pope = pope,
            PopeQuestions = sources,
            Items = itemsPath,
            Seconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
        };
        summary.Save(o.Out);
        return summary;
    }

    private static int Eligible(IReadOnlyList<ImageObjects> all) => all.Count(i => i.Instances.Count >= PopeBuilder.DefaultSamplesPerImage);

    private static ChairSummary Chair(BenchmarkOptions o, CocoDataset dataset, CocoObjects objects, LlavaPolicy policy, StreamWriter items)
    {
        var source = CocoPromptSource.Sample(dataset, objects, o.Images, o.Seed, o.Prompt);
        var total = ChairScores.Empty;
        long words = 0, tokens = 0;
        GenerationOptions Options(int start, int count) => o.Temperature <= 0
            ? GenerationOptions.Greedy(o.MaxNewTokens)
            : new GenerationOptions
            {
                MaxNewTokens = o.MaxNewTokens,
                Temperature = o.Temperature,
                RowSeeds = [.. Enumerable.Range(start, count).Select(i => Training.Seeds.Derive(o.Seed, source.Prompts[i].Image.Id, 0xc4a1))],
            };
        foreach (var (samples, sequences) in ShapesEvaluation.Generate(policy, o.Policy, source, Options, o.BatchSize))
        {
            for (var i = 0; i < samples.Count; i++)
            {
                var prompt = source.Prompts[samples[i].Index];
                var text = (sequences[i].Text ?? "").Trim();
                var caption = objects.Chair.EvaluateCaption(text, prompt.Objects);
                total = total.Add(ChairEvaluator.Score([caption]));
                words += text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
                tokens += sequences[i].TokenIds.Count;
                items.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "chair",
                    image_id = prompt.Image.Id,
                    image = prompt.Image.FileName,
                    caption = text,
                    objects = prompt.Objects,
                    mentions = caption.Mentions.Select(m => new { surface = m.Mention.Surface, @object = m.EvaluatedAs, verdict = Verdict(m.Verdict) }),
                    hallucinated = caption.HallucinatedObjects.Order(StringComparer.Ordinal),
                }, Line));
            }
        }
        var n = source.Count;
        return new ChairSummary
        {
            Images = n,
            ChairS = total.ChairS,
            ChairI = total.ChairI,
            Recall = total.Recall,
            MeanLengthWords = (double)words / n,
            MeanLengthTokens = (double)tokens / n,
            Mentions = total.Mentions,
            HallucinatedMentions = total.HallucinatedMentions,
            ImageIds = [.. source.Prompts.Select(p => p.Image.Id)],
        };
    }

    private static PopeMetrics Pope(BenchmarkOptions o, string split, IReadOnlyList<PopeQuestion> questions, CocoDataset dataset, CocoObjects objects,
        LlavaPolicy policy, StreamWriter items)
    {
        var byName = dataset.Images.ToDictionary(i => i.FileName, StringComparer.Ordinal);
        var prompts = questions.Select(q => byName.TryGetValue(q.Image, out var image)
            ? new CocoPrompt(image, dataset.ImagePath(image), q.Text + o.PopeInstruction, [])
            : throw new InvalidDataException($"{o.PopeQuestions ?? "POPE"}: question {q.QuestionId}: field 'image' '{q.Image}' is no image of {CocoDataset.InstancesPath(o.Coco, o.CocoSplit)}.")).ToList();
        var source = new CocoPromptSource(prompts);
        var answers = new List<(string Label, string Parsed)>(questions.Count);
        foreach (var (samples, sequences) in ShapesEvaluation.Generate(policy, o.Policy, source, (_, _) => GenerationOptions.Greedy(o.PopeMaxNewTokens), o.BatchSize))
        {
            for (var i = 0; i < samples.Count; i++)
            {
                var q = questions[samples[i].Index];
                var answer = (sequences[i].Text ?? "").Trim();
                var parsed = PopeAnswer.Parse(answer);
                answers.Add((q.Label, parsed));
                items.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = $"pope-{split}",
                    question_id = q.QuestionId,
                    image = q.Image,
                    @object = q.Object,
                    question = q.Text,
                    label = q.Label,
                    answer,
                    parsed,
                }, Line));
            }
        }
        return PopeMetrics.Of(answers);
    }

    private static string Verdict(MentionVerdict v) => v switch
    {
        MentionVerdict.Correct => "correct",
        MentionVerdict.Hallucinated => "hallucinated",
        _ => "not_evaluated",
    };
}
