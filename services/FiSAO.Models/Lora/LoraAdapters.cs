using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// The LoRA adapters attached to a model, by module path (e.g. <c>language_model.model.layers.0.self_attn.q_proj</c>).
/// Attaching freezes every base parameter (vision tower, projector and language model alike), so only lora_A/lora_B
/// require grad. <see cref="Disable"/> turns all adapters off for a while: the same weights then compute the base
/// (reference) policy, with no second copy of the model.
/// </summary>
public sealed class LoraAdapters
{
    private readonly Dictionary<string, LoraLinear> _modules;

    private readonly IReadOnlyList<string> _candidates;

    private LoraAdapters(LoraConfig config, Dictionary<string, LoraLinear> modules, IReadOnlyList<string> candidates)
    {
        Config = config;
        _modules = modules;
        _candidates = candidates;
    }

    public LoraConfig Config { get; }

    /// <summary>Adapted projections by module path, in module order.</summary>
    public IReadOnlyDictionary<string, LoraLinear> Modules => _modules;

    /// <summary>True when every adapter is on. Setting it switches them all.</summary>
    public bool Enabled
    {
        get => _modules.Values.All(m => m.Enabled);
        set
        {
            foreach (var m in _modules.Values) m.Enabled = value;
        }
    }

    /// <summary>
    /// Wraps the configured projections of every <see cref="ILinearContainer"/> in <paramref name="model"/> (the LLaMA
    /// attention and MLP blocks; CLIP's attention is not one, so the vision tower is never adapted) in
    /// <see cref="LoraLinear"/>, after freezing all of the model's parameters. lora_A is initialised from a CPU
    /// generator seeded with <see cref="LoraConfig.Seed"/>, module by module in path order.
    /// </summary>
    public static LoraAdapters Attach(nn.Module model, LoraConfig config) => Attach(model, config, path => config.TargetModules.Contains(LastName(path)));

    /// <summary>As <see cref="Attach(nn.Module, LoraConfig)"/> with an explicit choice of module paths.</summary>
    public static LoraAdapters Attach(nn.Module model, LoraConfig config, Func<string, bool> isTarget)
    {
        ArgumentNullException.ThrowIfNull(model);
        config.Validate();
        var containers = model.named_modules().Where(m => m.module is ILinearContainer).ToList();
        if (containers.Count == 0) throw new ArgumentException($"{model.GetName()} has no LoRA-capable layers.", nameof(model));
        if (containers.Any(c => ((ILinearContainer)c.module).LinearNames.Any(n => ((ILinearContainer)c.module).GetLinear(n) is LoraLinear)))
            throw new InvalidOperationException("The model already has LoRA adapters attached.");

        foreach (var p in model.parameters()) p.requires_grad = false;

        using var generator = new Generator((ulong)config.Seed);
        var modules = new Dictionary<string, LoraLinear>(StringComparer.Ordinal);
        var candidates = new List<string>();
        foreach (var (path, module) in containers)
        {
            var container = (ILinearContainer)module;
            foreach (var name in container.LinearNames)
            {
                var fullPath = path.Length == 0 ? name : $"{path}.{name}";
                candidates.Add(fullPath);
                if (!isTarget(fullPath)) continue;
                if (container.GetLinear(name) is not Linear linear)
                    throw new InvalidOperationException($"'{fullPath}' is not a plain Linear layer; cannot attach LoRA.");
                var weight = linear.weight!;
                var adapterType = config.AdapterDType
                    ?? (weight.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? ScalarType.Float32 : weight.dtype);
                var lora = new LoraLinear(linear, config.Rank, config.Alpha, config.Dropout, adapterType, generator);
                lora.train(model.training);
                container.SetLinear(name, lora);
                modules.Add(fullPath, lora);
            }
        }
        if (modules.Count == 0)
            throw new ArgumentException($"No layer matched the LoRA targets {string.Join(", ", config.TargetModules)}.", nameof(config));
        return new LoraAdapters(config, modules, candidates);
    }

    /// <summary>Turns every adapter off until the returned scope is disposed, then restores the previous state.</summary>
    public IDisposable Disable()
    {
        var previous = _modules.ToDictionary(m => m.Value, m => m.Value.Enabled);
        Enabled = false;
        return new Restore(() =>
        {
            foreach (var (module, enabled) in previous) module.Enabled = enabled;
        });
    }

    /// <summary>The trainable tensors: lora_A and lora_B of every adapter (for the optimizer).</summary>
    public IEnumerable<Parameter> Parameters() => _modules.Values.SelectMany(m => new[] { m.LoraA, m.LoraB });

    /// <summary>(PEFT-style name without adapter name, tensor): <c>&lt;path&gt;.lora_A.weight</c>, <c>&lt;path&gt;.lora_B.weight</c>.</summary>
    public IEnumerable<(string Name, Parameter Tensor)> NamedParameters() =>
        _modules.SelectMany(m => new[] { ($"{m.Key}.lora_A.weight", m.Value.LoraA), ($"{m.Key}.lora_B.weight", m.Value.LoraB) });

    /// <summary>
    /// True when the adapters sit on every projection named in <see cref="LoraConfig.TargetModules"/> (in every layer),
    /// false when a path filter chose a subset.
    /// </summary>
    public bool CoversAllTargets =>
        _candidates.Where(p => Config.TargetModules.Contains(LastName(p))).ToHashSet(StringComparer.Ordinal).SetEquals(_modules.Keys);

    public long ParameterCount => Parameters().Sum(p => p.numel());

    internal static string LastName(string path) => path[(path.LastIndexOf('.') + 1)..];

    private sealed class Restore(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose()
        {
            _action?.Invoke();
            _action = null;
        }
    }
}
