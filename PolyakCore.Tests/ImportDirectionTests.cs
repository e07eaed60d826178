using System.Text.RegularExpressions;

namespace PolyakCore.Tests;

/// <summary>Keeps the core's shape: its folders import one way, from the runs down to the parts they use
/// (Training → Optimization, Problems, Text), so an optimizer knows no problem and no run, and no two parts import
/// each other. Reads the sources, not the assembly: `using PolyakCore.X` lines and fully qualified `PolyakCore.X.` names.</summary>
public partial class ImportDirectionTests
{
    /// <summary>Lowest first: a folder may import only folders of lower layers (never its own layer's others).</summary>
    private static readonly string[][] Layers =
    [
        ["Shared"],                                        // FieldError, PolyakJson
        ["Optimization"],                                  // directions × step rules; knows no problem and no run
        ["Text"],                                          // the character model, corpora, checkpoints, sampling
        ["Problems"],                                      // the small problems; child speech's settings are Text's
        ["Training"],                                      // a run: request in, records out, on any problem
        ["Export"],                                        // records and summaries as files
        ["Experiments", "Explorer", "Demos"],              // built on runs (ensembles write their files through Export)
    ];

    [Fact]
    public void CoreFoldersImportOnlyLowerLayers()
    {
        var layerOf = Layers.SelectMany((folders, layer) => folders.Select(f => (f, layer))).ToDictionary(x => x.f, x => x.layer);
        var problems = new List<string>();
        foreach (var (file, from, to) in Imports())
        {
            if (!layerOf.TryGetValue(from, out int fromLayer))
                problems.Add($"{file}: the folder {from} has no layer in {nameof(ImportDirectionTests)}.{nameof(Layers)}; place it there.");
            else if (!layerOf.TryGetValue(to, out int toLayer))
                problems.Add($"{file} imports PolyakCore.{to}, which has no layer in {nameof(ImportDirectionTests)}.{nameof(Layers)}.");
            else if (toLayer >= fromLayer)
                problems.Add($"{file} imports PolyakCore.{to}: {from} may import only {Below(fromLayer)}.");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void TheReaderSeesTheCoresImports()
    {
        var edges = Imports().Select(i => (i.From, i.To)).ToHashSet();
        Assert.Contains(("Training", "Optimization"), edges);     // a using line
        Assert.Contains(("Training", "Text"), edges);
        Assert.True(Sources().Count() > 40, "the core's sources were not found");
    }

    private static string Below(int layer) => layer == 0 ? "nothing of PolyakCore" : string.Join(", ", Layers.Take(layer).SelectMany(f => f));

    /// <summary>(file, its folder, the folder it imports) for every reference to another core folder.</summary>
    private static IEnumerable<(string File, string From, string To)> Imports()
    {
        var root = CoreFolder();
        foreach (var path in Sources())
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var from = relative.Split('/')[0];
            foreach (var line in File.ReadLines(path))
            {
                if (NamespaceLine().IsMatch(line)) continue;
                foreach (Match m in CoreReference().Matches(line))
                {
                    var to = m.Groups[1].Value;
                    if (to != from) yield return ($"PolyakCore/{relative}", from, to);
                }
            }
        }
    }

    private static IEnumerable<string> Sources()
    {
        var root = CoreFolder();
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(p => Path.GetRelativePath(root, p).Replace('\\', '/').Split('/') is not ["bin" or "obj", ..])
            .Where(p => Path.GetRelativePath(root, p).Contains(Path.DirectorySeparatorChar));   // files in a folder
    }

    private static string CoreFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var core = Path.Combine(dir.FullName, "PolyakCore");
            if (File.Exists(Path.Combine(core, "PolyakCore.csproj"))) return core;
        }
        throw new DirectoryNotFoundException("PolyakCore/ not found above " + AppContext.BaseDirectory);
    }

    /// <summary>`using PolyakCore.X…`, `using static PolyakCore.X…`, `using A = PolyakCore.X…`, or a qualified `PolyakCore.X.Name`.</summary>
    [GeneratedRegex(@"\bPolyakCore\.([A-Z]\w*)\b")]
    private static partial Regex CoreReference();

    [GeneratedRegex(@"^\s*namespace\s")]
    private static partial Regex NamespaceLine();
}
