using System.Globalization;

namespace FiSAO.ShapesWorld.Cli;

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing; unknown options are errors.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"Unexpected argument '{arg}'.");
            var name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) (name, value) = (name[..eq], name[(eq + 1)..]);
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) value = list[++i];
            _values[name] = value;
        }
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v ?? throw new UsageException($"--{name} needs a value.") : null;
    }

    public string RequiredString(string name) => String(name) ?? throw new UsageException($"--{name} is required.");

    public int Int(string name, int fallback) => String(name) is { } v
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"--{name}: '{v}' is not an integer.")
        : fallback;

    public long Long(string name, long fallback) => String(name) is { } v
        ? long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"--{name}: '{v}' is not an integer.")
        : fallback;

    public double Double(string name, double fallback) => String(name) is { } v
        ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"--{name}: '{v}' is not a number.")
        : fallback;

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Throws when an option was given that no command read.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }
}

internal sealed class UsageException(string message) : Exception(message);
