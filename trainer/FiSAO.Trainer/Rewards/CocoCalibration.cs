using System.Globalization;
using FiSAO.Client;
using FiSAO.Evaluation.Coco;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Rewards;
using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Rollouts;
using ChairVerdict = FiSAO.Rewards.Chair.MentionVerdict; // CHAIR's verdict against the ground truth, not the verifier's

namespace FiSAO.Trainer.Rewards;

/// <summary>What <c>fisao-trainer calibrate</c> runs.</summary>
public sealed record CalibrationRunOptions : CocoPolicyOptions
{
    public required string Verifier { get; init; }
    public int Samples { get; init; } = 500;
    public long Seed { get; init; }
    public string Prompt { get; init; } = BenchmarkOptions.DefaultPrompt;
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>As the rollouts sample (generation.temperature; Eq. 7 is set on the responses PPO will see).</summary>
    public double Temperature { get; init; } = 1.0;
    public bool Apply { get; init; }

    /// <summary>What Eq. 7 averages over (<c>--count</c>): every judged mention (default) or each response's set of objects.</summary>
    public CalibrationCount Count { get; init; } = CalibrationCount.Mentions;
    public int BatchSize { get; init; } = 8;
    public required string Out { get; init; }

    /// <summary>The samples file written beside the calibration (<c>&lt;name&gt;.samples.jsonl</c>).</summary>
    public static string SamplesPath(string calibrationPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(calibrationPath))!, Path.GetFileNameWithoutExtension(calibrationPath) + ".samples.jsonl");
}

/// <summary>What the calibration run produced.</summary>
public sealed record CalibrationRunResult(FiSAO.Rewards.Calibration Calibration, bool Applied, string? NotAppliedReason, int Samples,
    int Correct, int Hallucinated, string SamplesFile);

/// <summary>
/// Eq. 7's baselines from the policy's own responses (METHOD.md section 3): N seeded images of a COCO-format split, one
/// response each sampled as the rollouts sample, every mention judged by CHAIR against the image's objects (written to a
/// samples.jsonl for audit and for the verifier's offline <c>calibrate</c>), then the verifier's Calibrate RPC on the
/// same (image, token pieces, objects) turns its scores into mu_gt / mu_hal (and, with apply, makes them active).
/// </summary>
public static class CocoCalibration
{
    public static async Task<CalibrationRunResult> RunAsync(CalibrationRunOptions o, Action<string> log)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var dataset = CocoReader.Read(o.Coco, o.CocoSplit);
        var chair = o.ChairJudge();
        var source = CocoPromptSource.Sample(dataset, new CocoObjects(chair), o.Samples, o.Seed, o.Prompt);
        var samples = new List<PromptSample>(source.Count);
        var responses = new List<GeneratedSequence>(source.Count);
        using (var policy = o.LoadPolicy())
        {
            GenerationOptions Options(int start, int count) => new()
            {
                MaxNewTokens = o.MaxNewTokens,
                Temperature = o.Temperature,
                RowSeeds = [.. Enumerable.Range(start, count).Select(i => Training.Seeds.Derive(o.Seed, source.Prompts[i].Image.Id, 0xca1))],
            };
            foreach (var (batch, sequences) in ShapesEvaluation.Generate(policy, o.Policy, source, Options, o.BatchSize))
            {
                samples.AddRange(batch);
                responses.AddRange(sequences);
            }
        }
        log($"calibrate: {samples.Count} responses generated ({watch.Elapsed.TotalSeconds:F0} s)");

        var samplesFile = CalibrationRunOptions.SamplesPath(o.Out);
        int correct = 0, hallucinated = 0;
        var lines = new List<CalibrationSampleLine>(samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var prompt = source.Prompts[samples[i].Index];
            var caption = chair.EvaluateCaption(responses[i].Text ?? "", prompt.Objects);
            correct += caption.Mentions.Count(m => m.Verdict == ChairVerdict.Correct);
            hallucinated += caption.HallucinatedMentions;
            lines.Add(new CalibrationSampleLine(0, prompt.ImagePath, responses[i].Text, responses[i].Pieces, FiSAO.Rewards.Alignment.TokenFormat.SentencePiece, prompt.Objects,
                [.. caption.Mentions.Select(m => new JudgedMention(m.Mention.Surface, m.EvaluatedAs, m.Verdict switch
                {
                    ChairVerdict.Correct => "correct",
                    ChairVerdict.Hallucinated => "hallucinated",
                    _ => "not_evaluated",
                }))]));
        }
        CalibrationSampleFile.Write(samplesFile, lines);

        using var verifier = new VerifierReward(new Configuration.RewardSettings { VerifierAddresses = [o.Verifier] });
        var answer = await verifier.CalibrateAsync(samples, responses, o.Apply, o.Count);
        foreach (var e in answer.SampleErrors) log($"calibrate: sample {e.Index} skipped: {e.Error.Message}");
        var calibration = answer.Calibration.ToCalibration();
        calibration.Save(o.Out);
        return new CalibrationRunResult(calibration, answer.Applied, answer.NotAppliedReason is { Length: > 0 } r ? r : null, samples.Count, correct, hallucinated, samplesFile);
    }
}
