using System.CommandLine;
using System.Text.Json;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Demo;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Rewards;

namespace FiSAO.Trainer.Commands;

/// <summary>Shapes-world commands: the end-to-end demo and the evaluation of a policy (+ adapters).</summary>
public static class ShapesCommands
{
    public static IEnumerable<Command> Create() => [Demo(), Evaluate(), WritePolicy(), Table4Command.Create()];

    private static Command WritePolicy()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (llava-hf layout).", Required = true };
        var words = new Option<string?>("--words") { Description = "Comma-separated vocabulary (default: the shapes world's caption words)." };
        var clip = new Option<DirectoryInfo?>("--clip") { Description = "HF CLIP folder for the vision tower (default: a random 32 px tower)." };
        var noBytes = new Option<bool>("--no-byte-fallback") { Description = "Leave out the 256 byte pieces (a tiny vocabulary)." };
        var command = new Command("write-policy", "Write a small random LLaVA-style policy folder (word-level SentencePiece tokenizer, GQA LLaMA decoder).")
            { output, words, clip, noBytes };
        command.SetAction(parse =>
        {
            var vocabulary = parse.GetValue(words) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [.. ShapesPolicy.CaptionWords()];
            var tokenizer = Policies.WordPieceTokenizer.Build(vocabulary, byteFallback: !parse.GetValue(noBytes));
            var config = Policies.PolicyFolderWriter.Write(parse.GetValue(output)!.FullName, tokenizer, new Policies.PolicySpec(), parse.GetValue(clip)?.FullName);
            Console.WriteLine($"wrote {parse.GetValue(output)!.FullName}: vocabulary {config.TextConfig.VocabSize}, {config.ImageSeqLength} image tokens");
            return TrainerCli.Ok;
        });
        return command;
    }

    private static Command Demo()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (policies, runs, results.json, rewards.png).", Required = true };
        var data = new Option<DirectoryInfo?>("--data-dir") { Description = "Data directory of the verifier the demo starts: its built-in shapes-world model is built there once and reused (default: <out>/data)." };
        var remote = new Option<string?>("--verifier") { Description = "Use this running verifier (http://host:port, serving its built-in shapes-world model, whose folder this process can read) instead of starting one." };
        var steps = new Option<int>("--ppo-steps") { Description = "PPO steps per run.", DefaultValueFactory = _ => ShapesDemoOptions.DefaultPpoSteps };
        var warm = new Option<int>("--warmup-steps") { Description = "Supervised warm-up steps.", DefaultValueFactory = _ => new WarmUpOptions().Steps };
        var scenes = new Option<int>("--eval-scenes") { Description = "Held-out evaluation scenes.", DefaultValueFactory = _ => ShapesDemoOptions.DefaultEvaluationScenes };
        var noAblation = new Option<bool>("--no-ablation") { Description = "Skip the sentence-reward run (Table 4)." };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads.", DefaultValueFactory = _ => 2 };
        var calibration = new Option<int>("--calibration-scenes")
        {
            Description = "Scenes the warmed-up policy describes to calibrate the verifier on (Eq. 7 on the policy's own responses; 0 keeps the verifier's calibration).",
            DefaultValueFactory = _ => 400,
        };
        var share = new Option<double>("--warmup-hallucinated-share")
        {
            Description = "Share of warm-up captions that name one object not in the image.",
            DefaultValueFactory = _ => new WarmUpOptions().HallucinatedShare,
        };
        var habit = new Option<string>("--warmup-habit")
        {
            Description = "Which absent object hallucinating warm-up captions name: co-occurrence (a companion after its trigger object, e.g. a star after a moon) or random (any absent object).",
            DefaultValueFactory = _ => "co-occurrence",
        };
        habit.AcceptOnlyFromAmong("co-occurrence", "random");
        var warmSeed = new Option<long>("--warmup-seed")
        {
            Description = "Seed of the warm-up (its scenes, caption draws and batch order).",
            DefaultValueFactory = _ => new WarmUpOptions().Seed,
        };
        var warmScenes = new Option<int>("--warmup-scenes")
        {
            Description = "Scenes the warm-up captions describe.",
            DefaultValueFactory = _ => new WarmUpOptions().Scenes,
        };
        var featureLayer = new Option<int>("--vision-feature-layer")
        {
            Description = "Vision-tower layer whose patch features the policy sees (LLaVA-1.5: -2, the penultimate).",
            DefaultValueFactory = _ => ShapesDemoOptions.DefaultPolicy.VisionFeatureLayer,
        };
        var set = new Option<string[]>("--set") { Description = "Override a key of the PPO runs' config: section.key=value (repeatable), as in 'train --set'." };
        var command = new Command("shapes-demo", "Shapes world end to end: CLIP, warm-up (hallucinating policy), calibration, FiSAO PPO against the verifier, CHAIR before/after, sentence-reward ablation.")
            { output, data, remote, steps, warm, scenes, noAblation, threads, calibration, share, habit, warmSeed, warmScenes, featureLayer, set };
        command.SetAction(parse =>
        {
            var o = parse.GetValue(output)!.FullName;
            var options = new ShapesDemoOptions
            {
                OutputDirectory = o,
                DataDirectory = parse.GetValue(data)?.FullName ?? Path.Combine(o, "data"),
                VerifierAddress = parse.GetValue(remote),
                PpoSteps = parse.GetValue(steps),
                WarmUp = new WarmUpOptions
                {
                    Steps = parse.GetValue(warm), HallucinatedShare = parse.GetValue(share), Scenes = parse.GetValue(warmScenes), Seed = parse.GetValue(warmSeed),
                    Habit = parse.GetValue(habit) == "random" ? HallucinationHabit.Random : HallucinationHabit.CoOccurrence,
                },
                EvaluationScenes = parse.GetValue(scenes),
                SentenceAblation = !parse.GetValue(noAblation),
                Threads = parse.GetValue(threads),
                CalibrationScenes = parse.GetValue(calibration),
                Policy = ShapesDemoOptions.DefaultPolicy with { VisionFeatureLayer = parse.GetValue(featureLayer) },
                Overrides = parse.GetValue(set) ?? [],
            };
            return ShapesDemo.RunAsync(options, line => Console.WriteLine(line)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static Command Evaluate()
    {
        var policy = new Option<DirectoryInfo>("--policy") { Description = "A llava-hf policy folder for the shapes world.", Required = true };
        var adapters = new Option<DirectoryInfo?>("--adapters") { Description = "PEFT adapters to apply (omit for the base policy)." };
        var verifier = new Option<string?>("--verifier") { Description = "Verifier address, to collect the mention rewards." };
        var split = new Option<string>("--split") { Description = "The demo's scene set: train (PPO prompts), val (validation: choosing settings) or test (reported numbers).", DefaultValueFactory = _ => "val" };
        split.AcceptOnlyFromAmong([.. FiSAO.ShapesWorld.Scenes.CocoExport.DefaultSeeds.Keys]);
        var seed = new Option<long?>("--seed") { Description = "Scene seed instead of the split's (train 777, val 4242, test 31415)." };
        var scenes = new Option<int>("--scenes") { DefaultValueFactory = _ => 200 };
        var json = new Option<FileInfo?>("--out") { Description = "Write the result as JSON here." };
        var temperature = new Option<double>("--temperature") { Description = "0: greedy decoding; above 0: sampling at this temperature, seeded per scene." };
        var command = new Command("evaluate-shapes", "CHAIR_s, CHAIR_i and object recall of a shapes-world policy on held-out scenes rendered on the fly (evaluate reads them through the COCO export instead).")
            { policy, adapters, verifier, split, seed, scenes, json, temperature };
        command.SetAction(parse =>
        {
            using var scorer = parse.GetValue(verifier) is { } address ? new VerifierReward(new RewardSettings { VerifierAddresses = [address] }) : null;
            var splitName = parse.GetValue(split)!;
            var sceneSeed = parse.GetValue(seed) ?? FiSAO.ShapesWorld.Scenes.CocoExport.DefaultSeeds[splitName];
            var r = ShapesEvaluation.Run(parse.GetValue(policy)!.FullName, parse.GetValue(adapters)?.FullName, sceneSeed, parse.GetValue(scenes), scorer,
                temperature: parse.GetValue(temperature));
            if (parse.GetValue(json) is { } file) File.WriteAllText(file.FullName, JsonSerializer.Serialize(r, TrainerConfigLoader.Json) + "\n");
            foreach (var e in r.Examples) Console.WriteLine(e);
            Console.WriteLine($"CHAIR_s {r.ChairS:P1}  CHAIR_i {r.ChairI:P1}  recall {r.Recall:P1}  ({(parse.GetValue(seed) is null ? $"split {splitName}" : "scene")} seed {sceneSeed}, {r.Scenes} scenes, {r.Mentions} mentions, " +
                $"{(r.Temperature > 0 ? $"sampled at temperature {r.Temperature}" : "greedy")}, {r.Seconds:F0} s)");
            return TrainerCli.Ok;
        });
        return command;
    }
}
