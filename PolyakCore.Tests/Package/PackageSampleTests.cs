using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PolyakCore.Optimization;

namespace PolyakCore.Tests.Package;

/// <summary>The package as a TorchSharp user gets it: <c>dotnet pack PolyakCore</c> into the local folder feed that the
/// sample's own nuget.config names, then the sample — which references the package, never the project — restored from
/// that feed, built and run: each optimizer must at least halve its tiny network's loss.</summary>
/// <remarks>Packs the build this test run already made (<c>--no-build</c>, a few seconds) under a version of its own,
/// so no copy of an earlier pack in NuGet's package cache can stand in for it; removes that version from the feed and
/// the cache afterwards. Costs about half a minute, most of it building the sample.</remarks>
public partial class PackageSampleTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>The sample's named classes and the catalogue entries they stand for.</summary>
    private static readonly Dictionary<string, string> Named = new()
    {
        ["PolyakSgd"] = OptimizerCatalog.PolyakSgd, ["SpsMax"] = OptimizerCatalog.SpsMax, ["PolyakAdam"] = OptimizerCatalog.PolyakAdam,
        ["PolyakAdamCorrected"] = OptimizerCatalog.PolyakAdamCorrected, ["ArmijoSgd"] = OptimizerCatalog.ArmijoSgd,
        ["DecSps"] = OptimizerCatalog.DecSps, ["AdaSps"] = OptimizerCatalog.AdaSps, ["Momo"] = OptimizerCatalog.Momo,
        ["MomoAdam"] = OptimizerCatalog.MomoAdam,
    };

    [Fact]
    public async Task ThePackedPackageTrainsTheSampleWithEveryOptimizer()
    {
        string root = RepositoryRoot();
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = Path.Combine(root, "artifacts", "packages");
        string configuration = typeof(PackageSampleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        Directory.CreateDirectory(feed);
        try
        {
            var pack = await DotnetAsync(root, "pack", "PolyakCore/PolyakCore.csproj", "--no-build", "-c", configuration,
                "-o", feed, $"-p:PackageVersion={version}");
            Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
            AssertPackageContents(Path.Combine(feed, $"PolyakCore.{version}.nupkg"), version);

            var run = await DotnetAsync(root, "run", "--project", "samples/PolyakSample", $"-p:PolyakCoreVersion={version}");
            Assert.True(run.ExitCode == 0, $"the sample failed (exit code {run.ExitCode}):\n{run.Output}");
            AssertRestoredFromThePackage(Path.Combine(root, "samples", "PolyakSample", "obj", "project.assets.json"), version);

            // One line per optimizer: each named class, then every other catalogue optimizer by its name.
            var results = ResultLine().Matches(run.Output).ToDictionary(m => m.Groups["name"].Value.Trim('"'),
                m => (Start: double.Parse(m.Groups["start"].Value), End: double.Parse(m.Groups["end"].Value)));
            string[] expected = [.. Named.Keys, .. OptimizerCatalog.Names.Except(Named.Values)];
            Assert.Equal(expected.Order(), results.Keys.Order());
            foreach (var (name, (start, end)) in results)
                Assert.True(end < start / 2, $"{name}: loss {start} → {end}, not halved\n{run.Output}");
        }
        finally
        {
            foreach (var file in Directory.EnumerateFiles(feed, $"PolyakCore.{version}.*")) File.Delete(file);
            string cached = Path.Combine(PackageCache(), "polyakcore", version);
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    /// <summary>The README's loop is the sample's (which the test above runs): the first C# block of the package
    /// README, less its using lines, appears line for line in the sample, indentation aside.</summary>
    [Fact]
    public void TheReadmesLoopIsTheSamplesFirstPart()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "PolyakCore", "README.md"));
        var block = CSharpBlock().Match(readme);
        Assert.True(block.Success, "the package README has no ```csharp block");
        var loop = Lines(block.Groups["code"].Value).Where(l => !l.StartsWith("using ")).ToArray();
        Assert.True(loop.Length >= 10, "the README's loop is shorter than expected");
        var sample = Lines(File.ReadAllText(Path.Combine(root, "samples", "PolyakSample", "Program.cs")));
        bool found = Enumerable.Range(0, sample.Length - loop.Length + 1).Any(i => sample.Skip(i).Take(loop.Length).SequenceEqual(loop));
        Assert.True(found, "the sample does not contain the README's loop:\n" + string.Join("\n", loop));
    }

    private static string[] Lines(string text) =>
        [.. text.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>The files and metadata a NuGet user sees: the assembly with its XML docs, the README, MIT, and
    /// dependencies on TorchSharp (no LibTorch: the application picks its backend).</summary>
    private static void AssertPackageContents(string path, string version)
    {
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/PolyakCore.dll", entries);
        Assert.Contains("lib/net10.0/PolyakCore.xml", entries);
        Assert.Contains("README.md", entries);
        using (var readme = new StreamReader(zip.GetEntry("README.md")!.Open()))
            Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot(), "PolyakCore", "README.md")).ReplaceLineEndings(), readme.ReadToEnd().ReplaceLineEndings());

        using var stream = zip.GetEntry("PolyakCore.nuspec")!.Open();
        var nuspec = XDocument.Load(stream).Root!;
        XNamespace ns = nuspec.Name.Namespace;
        var metadata = nuspec.Element(ns + "metadata")!;
        Assert.Equal("PolyakCore", metadata.Element(ns + "id")?.Value);
        Assert.Equal(version, metadata.Element(ns + "version")?.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
        Assert.Equal("expression", metadata.Element(ns + "license")?.Attribute("type")?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("commit"));        // SourceLink's commit
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/PolyakCore.dll" && e.Length > 100_000);
    }

    /// <summary>The sample's restore took PolyakCore as a package of this version, not as a project.</summary>
    private static void AssertRestoredFromThePackage(string assetsPath, string version)
    {
        using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(assetsPath));
        var libraries = assets.RootElement.GetProperty("libraries");
        Assert.True(libraries.TryGetProperty($"PolyakCore/{version}", out var library), $"PolyakCore {version} is not among the sample's restored libraries");
        Assert.Equal("package", library.GetProperty("type").GetString());
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--disable-build-servers");       // no compiler or MSBuild node left running after the test
        // The test host inherits the outer `dotnet test`'s MSBuild variables; the inner commands find their own.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        // One core: the solution's other test projects (browser tests with timed checks among them) run meanwhile.
        start.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var lockObject = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Limit);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took over {Limit.TotalMinutes} minutes:\n{output}");
        }
        process.WaitForExit();                                     // the output's last lines
        lock (lockObject) return (process.ExitCode, output.ToString());
    }

    private static string PackageCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder ? folder
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PolyakDashboard.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository (PolyakDashboard.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^(?<name>\S+)\s+loss (?<start>\S+) → (?<end>\S+)", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
