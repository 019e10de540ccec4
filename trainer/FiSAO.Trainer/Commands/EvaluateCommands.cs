using System.CommandLine;
using FiSAO.Evaluation.Coco;
using FiSAO.Evaluation.Pope;
using FiSAO.Evaluation.Reports;
using FiSAO.Trainer.Evaluation;

namespace FiSAO.Trainer.Commands;

/// <summary><c>evaluate</c> (CHAIR and POPE on a COCO-format split) and <c>compare</c> (a Markdown table of several
/// evaluations side by side).</summary>
public static class EvaluateCommands
{
    public static IEnumerable<Command> Create() => [Evaluate(), Compare()];

    private static Command Evaluate()
    {
        var benchmark = new Option<string>("--benchmark") { Description = "chair, pope, or all (CHAIR and the three POPE splits).", Required = true };
        benchmark.AcceptOnlyFromAmong("chair", "pope", "all");
        var policy = new Option<DirectoryInfo>("--policy") { Description = "A llava-hf policy folder.", Required = true };
        var adapters = new Option<DirectoryInfo?>("--adapters") { Description = "PEFT adapters to apply (omit for the base policy)." };
        var coco = new Option<DirectoryInfo>("--coco") { Description = "COCO-format folder: annotations/instances_<split>.json (+ captions_<split>.json), images in <split>/.", Required = true };
        var split = new Option<string>("--coco-split") { Description = "The split to read.", DefaultValueFactory = _ => CocoDataset.DefaultSplit };
        var entities = new Option<FileInfo?>("--entities") { Description = "Entity list of a world that is not COCO (e.g. the shapes verifier's entities.txt): every entity is judged. Default: CHAIR's COCO vocabulary." };
        var images = new Option<int>("--images") { Description = "CHAIR images, drawn with --seed (0: all).", DefaultValueFactory = _ => 500 };
        var seed = new Option<long>("--seed") { Description = "Seed of the image choice (CHAIR and built POPE questions) and of sampling.", DefaultValueFactory = _ => 0 };
        var prompt = new Option<string>("--prompt") { Description = "The captioning prompt for CHAIR.", DefaultValueFactory = _ => BenchmarkOptions.DefaultPrompt };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Caption length limit for CHAIR.", DefaultValueFactory = _ => 512 };
        var temperature = new Option<double>("--temperature") { Description = "0: greedy decoding; above 0: sampling at this temperature, seeded per image." };
        var popeSplit = new Option<string?>("--split") { Description = "POPE split for --benchmark pope: random, popular or adversarial (default: all three)." };
        popeSplit.AcceptOnlyFromAmong("random", "popular", "adversarial");
        var questions = new Option<FileInfo?>("--pope-questions") { Description = "An official POPE question file (JSON lines question_id, image, text, label); default: build them from the split's instances as POPE does." };
        var popeImages = new Option<int>("--pope-images") { Description = "Images POPE questions are built for (3 present + 3 absent objects each).", DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch-size") { Description = "Images per generation batch.", DefaultValueFactory = _ => 8 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N (CUDA needs the CUDA build).", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "fp32, fp16 or bf16 (the base weights).", DefaultValueFactory = _ => "fp32" };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads (0: libtorch's default).", DefaultValueFactory = _ => 0 };
        var output = new Option<FileInfo>("--out") { Description = "Summary JSON; the per-caption / per-question lines go to <name>.items.jsonl beside it.", Required = true };
        var command = new Command("evaluate", "CHAIR (CHAIR_s, CHAIR_i, recall, length) and POPE (accuracy, precision, recall, F1, yes-ratio) of a policy on a COCO-format split.")
            { benchmark, policy, adapters, coco, split, entities, images, seed, prompt, maxNew, temperature, popeSplit, questions, popeImages, batch, device, dtype, threads, output };
        command.SetAction(parse =>
        {
            var which = parse.GetValue(benchmark)!;
            var splits = which == "chair" ? [] : parse.GetValue(popeSplit) is { } one ? [PopeQuestion.ParseSplit(one)]
                : new[] { PopeSplit.Random, PopeSplit.Popular, PopeSplit.Adversarial };
            if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            var options = new BenchmarkOptions
            {
                Policy = parse.GetValue(policy)!.FullName,
                Adapters = parse.GetValue(adapters)?.FullName,
                Device = parse.GetValue(device)!,
                DType = parse.GetValue(dtype)!,
                Coco = parse.GetValue(coco)!.FullName,
                CocoSplit = parse.GetValue(split)!,
                Entities = parse.GetValue(entities)?.FullName,
                Chair = which != "pope",
                PopeSplits = splits,
                Images = parse.GetValue(images),
                Seed = parse.GetValue(seed),
                Prompt = parse.GetValue(prompt)!,
                MaxNewTokens = parse.GetValue(maxNew),
                Temperature = parse.GetValue(temperature),
                PopeQuestions = parse.GetValue(questions)?.FullName,
                PopeImages = parse.GetValue(popeImages),
                BatchSize = parse.GetValue(batch),
                Out = parse.GetValue(output)!.FullName,
            };
            var summary = CocoBenchmarks.Run(options, Console.WriteLine);
            Console.WriteLine($"wrote {options.Out} and {summary.Items} ({summary.Seconds:F0} s)");
            return TrainerCli.Ok;
        });
        return command;
    }

    private static Command Compare()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Summaries written by evaluate (base first).", Arity = ArgumentArity.OneOrMore };
        var names = new Option<string?>("--names") { Description = "Comma-separated column names (default: the file names)." };
        var command = new Command("compare", "A Markdown table of several evaluate summaries side by side (base vs FiSAO).") { files, names };
        command.SetAction(parse =>
        {
            var list = parse.GetValue(files)!;
            var labels = parse.GetValue(names)?.Split(',', StringSplitOptions.TrimEntries) ?? [.. list.Select(f => Path.GetFileNameWithoutExtension(f.Name))];
            if (labels.Length != list.Length)
            {
                Console.Error.WriteLine($"fisao-trainer: --names has {labels.Length} names for {list.Length} files.");
                return TrainerCli.Usage;
            }
            Console.Write(ComparisonTable.Markdown([.. list.Select((f, i) => (labels[i], EvaluationSummary.Load(f.FullName)))]));
            return TrainerCli.Ok;
        });
        return command;
    }
}
