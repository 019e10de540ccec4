using System.Runtime.InteropServices;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Training;

/// <summary>A step's phase that <see cref="PeakMemory"/> measures, as <see cref="MemoryPlan"/> names its estimate.</summary>
public enum MeasuredPhaseKind { RolloutPass, Update }

/// <summary>Measured peak memory of one micro-batch of a phase (bytes above the resident set before it).</summary>
public sealed record MeasuredPhase(MeasuredPhaseKind Phase, bool Checkpointing, double PeakBytes, int Rows, int PromptTokens, int ResponseTokens);

/// <summary>
/// Measures what a micro-batch really holds, on the CPU: the process's peak resident set (Linux VmHWM, reset through
/// /proc/self/clear_refs) minus the resident set before it, during the rollout pass (<see cref="RolloutLogProbs"/>:
/// log pi_old, log pi_ref and the KL term, no autograd) and during one forward + backward of the update
/// (<see cref="MinibatchUpdate"/>), each over <c>ppo.micro_batch_size</c> rows at <c>max_new_tokens</c> response tokens.
/// The rollout is synthetic (random response tokens after the config's prompt): memory depends on shapes, not on words.
/// </summary>
public static class PeakMemory
{
    public static bool Supported => File.Exists("/proc/self/clear_refs") && File.Exists("/proc/self/status");

    public static IReadOnlyList<MeasuredPhase> Measure(TrainerConfig config)
    {
        if (!Supported) throw new PlatformNotSupportedException("Peak memory is measured through /proc/self (Linux).");
        // Tensors of 128 KiB and more straight from mmap, returned on free: glibc's dynamic threshold would otherwise move
        // them onto the heap after the first frees, where freed memory stays resident and hides the next pass's peak.
        MallOpt(MmapThreshold, 128 * 1024);
        var target = TorchTarget.Parse(config.Policy.DeviceList[0], config.Policy.DType);
        var lora = new LoraConfig { Rank = config.Lora.Rank, Alpha = config.Lora.Alpha, Dropout = config.Lora.Dropout, TargetModules = config.Lora.TargetModules };
        using var policy = LlavaPolicy.Load(config.Policy.Model!, target, lora);
        var images = ClipImageProcessor.FromDirectory(config.Policy.Model!);
        var source = PromptSources.Create(config.Data);
        var rows = config.Ppo.RowsPerPass;
        var samples = Enumerable.Range(0, rows).Select(i => source.Get(i % source.Count)).ToList();
        var results = new List<MeasuredPhase>();
        foreach (var (phase, checkpointing) in new[] { (MeasuredPhaseKind.RolloutPass, false), (MeasuredPhaseKind.Update, false), (MeasuredPhaseKind.Update, true) })
        {
            using var scope = NewDisposeScope();
            var features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)], target.Device));
            var prompts = PromptBatch.LeftPadded(samples.Select(s => policy.EncodePrompt(s.Prompt, config.Policy.ChatTemplate)), policy.Tokenizer.PadId ?? 0);
            using var rollout = Synthetic(policy, prompts, features, config.Generation.MaxNewTokens);
            // The update's own mode (FiSAOTrainer: PolicyReplicas.SetTraining): dropout acts only without ppo.disable_dropout.
            // The rollout pass sets its own (eval).
            policy.Model.train(phase == MeasuredPhaseKind.Update && !config.Ppo.DisableDropout);
            policy.Model.LanguageModel.Model.GradientCheckpointing = checkpointing;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            MallocTrim(UIntPtr.Zero);      // glibc keeps freed blocks resident: return them, or the baseline includes the previous pass
            var before = ResidentBytes();
            ResetPeak();
            using (var pass = NewDisposeScope())
            {
                if (phase == MeasuredPhaseKind.RolloutPass) RolloutLogProbs.Compute(policy, rollout.Batch, rollout.ImageFeatures, config.Ppo);
                else MinibatchUpdate.Accumulate(policy.Model, null, rollout, config.Ppo);
            }
            var peak = PeakBytes();
            policy.Model.LanguageModel.Model.GradientCheckpointing = false;
            policy.Model.eval();
            foreach (var p in policy.TrainableParameters()) p.grad = null;
            results.Add(new MeasuredPhase(phase, checkpointing, peak - before, rows, prompts.Length - policy.Model.ImageSeqLength, config.Generation.MaxNewTokens));
        }
        return results;
    }

    private static Rollout Synthetic(LlavaPolicy policy, PromptBatch prompts, Tensor features, int responseTokens)
    {
        var rows = prompts.Count;
        var vocabulary = policy.Model.Config.TextConfig.VocabSize;
        var random = new Random(1);
        var sequences = Enumerable.Range(0, rows).Select(_ => new GeneratedSequence(
            [.. Enumerable.Range(0, responseTokens).Select(_ => random.Next(3, Math.Min(vocabulary, policy.Model.Config.ImageTokenIndex)))],
            null, new float[responseTokens], FinishReason.Length, null)).ToList();
        var batch = PolicyBatch.From(new GenerationResult(prompts, sequences), features.device);
        var mask = batch.ResponseMask;
        return new Rollout(batch, features, zeros_like(mask), zeros_like(mask), zeros_like(mask), ones_like(mask), zeros_like(mask), zeros_like(mask));
    }

    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    [DllImport("libc", EntryPoint = "mallopt")]
#pragma warning disable SYSLIB1054
    private static extern int MallOpt(int parameter, int value);
#pragma warning restore SYSLIB1054

    [DllImport("libc", EntryPoint = "malloc_trim")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the project for one call
    private static extern int MallocTrim(UIntPtr pad);
#pragma warning restore SYSLIB1054

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static double PeakBytes() => StatusKiB("VmHWM:") * 1024.0;

    private static double ResidentBytes() => StatusKiB("VmRSS:") * 1024.0;

    private static long StatusKiB(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
