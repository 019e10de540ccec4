using FiSAO.Models.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Checkpoints;

/// <summary>
/// Key-exact loading of checkpoint tensors into a module's state_dict: every parameter must be present with its exact
/// shape; checkpoint keys (under <c>prefix</c>) that are not parameters are errors, except known non-persistent buffers
/// older HF files carry (<c>*.position_ids</c>). All checks use headers only, before any tensor data is read.
/// </summary>
public static class StrictStateLoader
{
    private const int MaxKeysInMessage = 8;

    /// <summary>Buffers HF modules register that are not our parameters; older checkpoints saved them.</summary>
    public static bool IsKnownBuffer(string key) => key == "position_ids" || key.EndsWith(".position_ids", StringComparison.Ordinal);

    /// <param name="module">Target; its state_dict keys are matched against checkpoint keys with <paramref name="prefix"/> removed.</param>
    /// <param name="checkpoint">Source weights; keys outside <paramref name="prefix"/> are neither checked nor read.</param>
    /// <param name="prefix">e.g. <c>vision_tower.vision_model.</c> to take a CLIP vision tower out of a LLaVA checkpoint.</param>
    public static void Load(nn.Module module, SafeTensorsCheckpoint checkpoint, string prefix = "")
    {
        var targets = module.state_dict();
        var present = new Dictionary<string, string>(StringComparer.Ordinal); // module key -> checkpoint key
        var unknown = new List<string>();
        foreach (var key in checkpoint.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var local = key[prefix.Length..];
            if (targets.ContainsKey(local)) present[local] = key;
            else if (!IsKnownBuffer(local)) unknown.Add(key);
        }

        var what = $"{module.GetName()} from checkpoint '{checkpoint.Directory}'";
        if (unknown.Count > 0)
            throw new InvalidDataException(
                $"Cannot load {what}: {unknown.Count} checkpoint tensor(s) match no parameter: {List(unknown)}.");

        var missing = targets.Keys.Where(k => !present.ContainsKey(k)).Select(k => prefix + k).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"Cannot load {what}: {missing.Count} parameter(s) missing from the checkpoint: {List(missing)}.");

        foreach (var (local, key) in present)
        {
            var info = checkpoint.GetInfo(key);
            var expected = targets[local].shape;
            if (!info.Shape.SequenceEqual(expected))
                throw new InvalidDataException(
                    $"Cannot load {what}: tensor '{key}' has shape {info.ShapeText} in the checkpoint but the model expects {SafeTensorDTypes.FormatShape(expected)}.");
            SafeTensorDTypes.ToScalarType(info.DType, key); // unsupported dtypes fail here, before any data is read
        }

        using var noGrad = torch.no_grad();
        foreach (var (local, key) in present)
        {
            // copy_ converts dtype (e.g. bf16 file -> fp32 model) and device in one step.
            using var source = checkpoint.Read(key);
            targets[local].copy_(source);
        }
    }

    private static string List(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(MaxKeysInMessage).Select(k => $"'{k}'")) +
        (keys.Count > MaxKeysInMessage ? $" and {keys.Count - MaxKeysInMessage} more" : "");
}
