using System.CommandLine;
using System.Globalization;
using FiSAO.Models.Llava;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Commands;

/// <summary><c>fisao-trainer plan</c>: memory per device for a config, with and without activation checkpointing.</summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Trainer config JSON.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config key (repeatable)." };
        var modelConfig = new Option<FileInfo?>("--model-config") { Description = "The policy's config.json (default: policy.model/config.json)." };
        var gpu = new Option<double>("--gpu-memory") { Description = "Memory per device, GiB.", DefaultValueFactory = _ => 80 };
        var devices = new Option<int>("--devices") { Description = "Devices sharing each step's rollouts (a replica per device); default: the config's policy.devices." };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Text tokens per prompt besides the image placeholders.", DefaultValueFactory = _ => 64 };
        var measure = new Option<bool>("--measure") { Description = "Also measure one update micro-batch's peak on this machine (CPU, Linux) with and without checkpointing." };
        var command = new Command("plan", "Estimate the memory per device of a config (weights, adapters, optimiser, KV cache, activations) and whether it fits.")
            { config, set, modelConfig, gpu, devices, promptTokens, measure };
        command.SetAction(parse =>
        {
            var loaded = TrainerConfigLoader.Load(parse.GetValue(config)!.FullName, parse.GetValue(set) ?? []);
            var path = parse.GetValue(modelConfig)?.FullName ?? Path.Combine(loaded.Policy.Model!, "config.json");
            if (!File.Exists(path))
                throw new TrainerConfigException($"plan: no model config.json at '{path}': give --model-config (e.g. trainer/configs/llava-1.5-7b-hf.config.json).");
            var model = LlavaConfig.FromFile(path);
            var memory = parse.GetValue(gpu);
            foreach (var checkpointing in new[] { false, true })
                Print(MemoryPlan.Estimate(loaded, model, checkpointing, parse.GetValue(devices) is > 0 and var n ? n : loaded.Policy.DeviceList.Count,
                    parse.GetValue(promptTokens)), memory);
            if (parse.GetValue(measure)) Measure(loaded, model);
            return TrainerCli.Ok;
        });
        return command;
    }

    /// <summary><c>write-random-policy</c>: a random policy folder of a chosen size, for measuring memory (<c>plan --measure</c>).</summary>
    public static Command WriteRandomPolicy()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (llava-hf layout).", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Decoder hidden size.", DefaultValueFactory = _ => 256 };
        var intermediate = new Option<int>("--intermediate") { Description = "Decoder MLP size.", DefaultValueFactory = _ => 688 };
        var layers = new Option<int>("--layers") { Description = "Decoder layers.", DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads") { Description = "Attention (= key/value) heads.", DefaultValueFactory = _ => 4 };
        var command = new Command("write-random-policy", "Write a random LLaVA-style policy of a given decoder size (memory measurements).")
            { output, hidden, intermediate, layers, heads };
        command.SetAction(parse =>
        {
            string[] words = ["a", "and", "big", "blue", "cat", "dog", "red", "small", "the", "is", "on", "mat"];
            var spec = new Policies.PolicySpec
            {
                HiddenSize = parse.GetValue(hidden), IntermediateSize = parse.GetValue(intermediate), Layers = parse.GetValue(layers),
                Heads = parse.GetValue(heads), KeyValueHeads = parse.GetValue(heads), MaxPositions = 4096,
            };
            var config = Policies.PolicyFolderWriter.Write(parse.GetValue(output)!.FullName, Policies.WordPieceTokenizer.Build(words, byteFallback: false), spec);
            Console.WriteLine($"wrote {parse.GetValue(output)!.FullName}: {MemoryPlan.CountParameters(config) / 1e6:F1} M parameters, {config.ImageSeqLength} image tokens");
            return TrainerCli.Ok;
        });
        return command;
    }

    private static void Print(MemoryPlan plan, double gibPerDevice)
    {
        Console.WriteLine($"{plan.Devices} device(s), activation checkpointing {(plan.Checkpointing ? "on" : "off")}:");
        foreach (var item in plan.Fixed.Concat(plan.Phases).Append(plan.Reserve))
            Console.WriteLine($"  {item.What,-36} {G(item.Bytes),9} GiB  {item.How}");
        var peak = plan.PeakBytes / MemoryPlan.GiB;
        Console.WriteLine($"  {"peak per device",-36} {peak,9:F1} GiB  {(peak <= gibPerDevice ? "fits" : "does NOT fit")} in {gibPerDevice} GiB");
    }

    private static void Measure(TrainerConfig config, LlavaConfig model)
    {
        if (config.Policy.DType is not ("fp32" or "float32") || config.Policy.DeviceList.Any(d => d.StartsWith("cuda", StringComparison.Ordinal)))
            throw new TrainerConfigException("plan --measure: measures on the CPU in fp32 (policy.dtype fp32, policy.device cpu): use --set to measure a small config.");
        Console.WriteLine("measured on this machine (one micro-batch of each phase, peak resident set above the one before it):");
        foreach (var m in PeakMemory.Measure(config))
        {
            var plan = MemoryPlan.Estimate(config, model, m.Checkpointing, devices: 1, promptTokens: m.PromptTokens, reserve: false);
            var (what, estimate) = m.Phase == MeasuredPhaseKind.RolloutPass
                ? ("rollout pass             ", plan.RolloutPass.Bytes)
                : ($"update, checkpointing {(m.Checkpointing ? "on " : "off")}", plan.Update.Bytes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what}: measured {m.PeakBytes / 1048576:F1} MiB, estimated {estimate / 1048576:F1} MiB " +
                $"(measured / estimated {m.PeakBytes / estimate:F2}; {m.Rows} rows x ({model.ImageSeqLength} + {m.PromptTokens} + {m.ResponseTokens}) tokens)"));
        }
    }

    private static string G(double bytes) => (bytes / MemoryPlan.GiB).ToString("F2", CultureInfo.InvariantCulture);
}
