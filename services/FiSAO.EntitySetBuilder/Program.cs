using FiSAO.Rewards.Entities;
using FiSAO.Rewards.Entities.Building;

// Usage (from the repository root):
//   dotnet run --project services/FiSAO.EntitySetBuilder -- --data ../shared/data --wordnet /usr/share/wordnet \
//       --out services/FiSAO.Rewards/Data/entity-set.tsv [--report entity-set-report.txt] [--check]
// --check: do not write; exit 1 when the file at --out differs from what the inputs give (CI drift check).

string? data = null, wordnet = "/usr/share/wordnet", output = null, reportPath = null;
bool check = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--data": data = Next(); break;
        case "--wordnet": wordnet = Next(); break;
        case "--out": output = Next(); break;
        case "--report": reportPath = Next(); break;
        case "--check": check = true; break;
        case "-h" or "--help":
            Console.WriteLine("FiSAO.EntitySetBuilder --data <dir with lvis_v1_categories.json, chair_synonyms.txt> --wordnet <WordNet 3.0 dict dir> --out <entity-set.tsv> [--report <file>] [--check]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument: {args[i]}");
            return 2;
    }
}
if (data is null || output is null)
{
    Console.Error.WriteLine("--data and --out are required (see --help).");
    return 2;
}
if (!WordNetDatabase.Exists(wordnet))
{
    Console.Error.WriteLine($"WordNet 3.0 not found in '{wordnet}' (Debian: apt-get install wordnet-base).");
    return 3;
}

var result = EntitySetBuilder.Build(EntitySetBuilderInputs.FromDirectories(data, wordnet));
var tsv = result.ToTsv();
Console.WriteLine($"base words {result.BaseWordCount}, entities {result.EntityCount}, surface forms {result.SurfaceFormCount} " +
                  $"({result.MultiWordSurfaceFormCount} multi-word), blockers {result.BlockerCount}");
if (reportPath is not null) File.WriteAllLines(reportPath, result.Report);
if (check)
{
    bool same = File.Exists(output) && File.ReadAllText(output) == tsv;
    Console.WriteLine(same ? $"{output} is up to date." : $"{output} differs from the inputs' table; rebuild it.");
    return same ? 0 : 1;
}
result.WriteTsv(output);
var loaded = EntitySet.Load(output);
Console.WriteLine($"wrote {output}: content sha256 {loaded.ContentHash}");
return 0;
