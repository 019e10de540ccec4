using System.CommandLine;
using FiSAO.Evaluation.Coco;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Rewards;

namespace FiSAO.Trainer.Commands;

/// <summary><c>calibrate</c>: Eq. 7's baselines from the policy's own responses on a COCO-format split (CocoCalibration).</summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "Trainer config: policy.model, generation (max_new_tokens, temperature), reward.verifier_addresses, data (kind coco: path, coco_split, prompt) as defaults." };
        var policy = new Option<DirectoryInfo?>("--policy") { Description = "A llava-hf policy folder (instead of / over --config)." };
        var adapters = new Option<DirectoryInfo?>("--adapters") { Description = "PEFT adapters to apply." };
        var coco = new Option<DirectoryInfo?>("--coco") { Description = "COCO-format folder (annotations/instances_<split>.json, images in <split>/)." };
        var split = new Option<string?>("--coco-split") { Description = $"The split to read (default {CocoDataset.DefaultSplit}, or the config's data.coco_split)." };
        var entities = new Option<FileInfo?>("--entities") { Description = "Entity list of a world that is not COCO (e.g. the shapes verifier's entities.txt). Default: CHAIR's COCO vocabulary." };
        var verifier = new Option<string?>("--verifier") { Description = "Verifier address (http://host:port)." };
        var samples = new Option<int>("--samples") { Description = "Images to describe (seeded choice).", DefaultValueFactory = _ => 500 };
        var seed = new Option<long>("--seed") { Description = "Seed of the image choice and of sampling.", DefaultValueFactory = _ => 0 };
        var prompt = new Option<string?>("--prompt") { Description = $"Prompt (default: the config's data.prompt, else \"{BenchmarkOptions.DefaultPrompt}\")." };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "Response length limit (default: generation.max_new_tokens, else 64)." };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature (default: generation.temperature, else 1)." };
        var output = new Option<FileInfo>("--out") { Description = "Calibration JSON (the verifier's --calibration format); <name>.samples.jsonl is written beside it.", Required = true };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: policy.device, else cpu)." };
        var dtype = new Option<string?>("--dtype") { Description = "fp32, fp16 or bf16 (default: policy.dtype, else fp32)." };
        var apply = new Option<bool>("--apply") { Description = "Make the result the verifier's active calibration (until it restarts)." };
        var count = new Option<string>("--count")
        {
            Description = "What Eq. 7 averages over: every judged mention (default), or each response's set of objects once (the paper's |O^i|).",
            DefaultValueFactory = _ => "mentions",
        };
        count.AcceptOnlyFromAmong("mentions", "sets");
        var command = new Command("calibrate", "Eq. 7 baselines from the policy's own responses: generate on N COCO images, judge every mention with CHAIR, call the verifier's Calibrate.")
            { config, policy, adapters, coco, split, entities, verifier, samples, seed, prompt, maxNew, temperature, device, dtype, output, apply, count };
        command.SetAction(parse =>
        {
            var c = parse.GetValue(config) is { } file ? TrainerConfigLoader.Load(file.FullName, []) : null;
            string Need(string? value, string what) => value ?? throw new TrainerConfigException($"calibrate: {what} is needed (on the command line or in --config).");
            var options = new CalibrationRunOptions
            {
                Policy = Need(parse.GetValue(policy)?.FullName ?? c?.Policy.Model, "--policy"),
                Adapters = parse.GetValue(adapters)?.FullName,
                Device = parse.GetValue(device) ?? c?.Policy.DeviceList[0] ?? "cpu",
                DType = parse.GetValue(dtype) ?? c?.Policy.DType ?? "fp32",
                Coco = Need(parse.GetValue(coco)?.FullName ?? (c?.Data.Kind == "coco" ? c.Data.Path : null), "--coco"),
                CocoSplit = parse.GetValue(split) ?? (c?.Data.Kind == "coco" ? c.Data.CocoSplit : null) ?? CocoDataset.DefaultSplit,
                Entities = parse.GetValue(entities)?.FullName,
                Verifier = Need(parse.GetValue(verifier) ?? c?.Reward.VerifierAddresses.FirstOrDefault(), "--verifier"),
                Samples = parse.GetValue(samples),
                Seed = parse.GetValue(seed),
                Prompt = parse.GetValue(prompt) ?? c?.Data.Prompt ?? BenchmarkOptions.DefaultPrompt,
                MaxNewTokens = parse.GetValue(maxNew) ?? c?.Generation.MaxNewTokens ?? 64,
                Temperature = parse.GetValue(temperature) ?? c?.Generation.Temperature ?? 1.0,
                Apply = parse.GetValue(apply),
                Count = parse.GetValue(count) == "sets" ? FiSAO.Rewards.CalibrationCount.Sets : FiSAO.Rewards.CalibrationCount.Mentions,
                Out = parse.GetValue(output)!.FullName,
            };
            CalibrationRunResult r;
            try { r = CocoCalibration.RunAsync(options, Console.WriteLine).GetAwaiter().GetResult(); }
            catch (Grpc.Core.RpcException e) when (e.StatusCode is Grpc.Core.StatusCode.InvalidArgument or Grpc.Core.StatusCode.FailedPrecondition)
            {
                // The verifier could not calibrate on these responses (e.g. no correct or no hallucinated mention): the
                // samples file was written and says what CHAIR saw.
                Console.Error.WriteLine($"fisao-trainer: calibrate: the verifier refused: {e.Status.Detail} (samples in {CalibrationRunOptions.SamplesPath(options.Out)})");
                return TrainerCli.Failed;
            }
            var k = r.Calibration;
            Console.WriteLine($"calibration from {r.Samples} responses of the policy ({r.Correct} correct / {r.Hallucinated} hallucinated mentions by CHAIR): " +
                              $"mu_gt {k.MuGt:F4}, mu_hal {k.MuHal:F4}, S in [{k.SMin:F4}, {k.SMax:F4}] -> {options.Out}; samples in {r.SamplesFile}");
            if (options.Apply) Console.WriteLine(r.Applied ? "applied: the verifier now uses it" : $"not applied: {r.NotAppliedReason}");
            return options.Apply && !r.Applied ? TrainerCli.Failed : TrainerCli.Ok;
        });
        return command;
    }
}
