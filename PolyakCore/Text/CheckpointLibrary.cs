using PolyakCore.Optimization;
namespace PolyakCore.Text;

/// <summary>A checkpoint as lists show it.</summary>
public sealed record CheckpointInfo(string Name, CheckpointMetadata Metadata, long Bytes, bool Shipped);

/// <summary>Checkpoints on disk: a writable folder (trained runs and uploads) and, optionally, a read-only folder of
/// checkpoints shipped with the app. A checkpoint is named by its file name without <c>.ckpt</c>.</summary>
public sealed class CheckpointLibrary(string folder, string? shippedFolder = null)
{
    public string Folder { get; } = folder;
    public string? ShippedFolder { get; } = shippedFolder;

    /// <summary>Names are plain file names, so no request can reach outside the folders.</summary>
    public static bool IsSafeName(string? name) => CorpusLibrary.IsSafeName(name);

    public string PathFor(string name) => Path.Combine(Folder, name + Checkpoint.Extension);

    /// <summary>Every readable checkpoint, newest first; files that are not checkpoints are skipped.</summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        var list = new Dictionary<string, CheckpointInfo>();
        foreach (var (dir, shipped) in new[] { (ShippedFolder, true), (Folder, false) })
        {
            if (dir is null || !Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*" + Checkpoint.Extension))
            {
                try { list[Path.GetFileNameWithoutExtension(file)] = new(Path.GetFileNameWithoutExtension(file), Checkpoint.ReadMetadata(file), new FileInfo(file).Length, shipped); }
                catch (CheckpointException) { }
            }
        }
        return [.. list.Values.OrderByDescending(c => c.Metadata.CreatedAt).ThenBy(c => c.Name)];
    }

    /// <summary>The optimizers of the report's "Sample Outputs", in its order.</summary>
    public static IReadOnlyList<string> ReportOptimizers { get; } = [OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd, OptimizerCatalog.Adam];

    /// <summary>The report's sample block as shipped: per optimizer of <see cref="ReportOptimizers"/>, its shipped
    /// checkpoint with the lowest validation loss, in the report's order; those without one are left out.</summary>
    public static IReadOnlyList<string> ShippedReportTrio(IEnumerable<CheckpointInfo> checkpoints)
    {
        var shipped = checkpoints.Where(c => c.Shipped).ToList();
        return [.. ReportOptimizers.Select(o => shipped.Where(c => c.Metadata.Optimizer == o).MinBy(c => c.Metadata.ValLoss)?.Name).OfType<string>()];
    }

    /// <summary>The file of a named checkpoint; the writable folder wins over the shipped one.</summary>
    public string Resolve(string name)
    {
        if (!IsSafeName(name)) throw new CheckpointException($"'{name}' is not a checkpoint name (letters, digits, '-', '_' and '.' only).");
        var path = PathFor(name);
        if (File.Exists(path)) return path;
        if (ShippedFolder is not null && File.Exists(Path.Combine(ShippedFolder, name + Checkpoint.Extension)))
            return Path.Combine(ShippedFolder, name + Checkpoint.Extension);
        throw new CheckpointException($"There is no checkpoint '{name}'.");
    }

    public LoadedCheckpoint Load(string name) => Checkpoint.Load(Resolve(name));

    /// <summary>Whether a checkpoint of that name exists, in either folder.</summary>
    public bool Exists(string name) => IsSafeName(name)
        && (File.Exists(PathFor(name)) || (ShippedFolder is not null && File.Exists(Path.Combine(ShippedFolder, name + Checkpoint.Extension))));

    public static string TakenMessage(string name) =>
        $"A checkpoint named '{name}' exists already; an upload never replaces one. Rename the file (or pass another ?name=).";

    /// <summary>Stores an uploaded checkpoint after loading it fully from a temporary file: a bad upload never
    /// lands under a real name, and no upload replaces an existing checkpoint (a trained run's or a shipped one).</summary>
    public CheckpointInfo Import(string name, Stream content, long maxBytes)
    {
        if (!IsSafeName(name)) throw new CheckpointException($"'{name}' is not a usable checkpoint name (letters, digits, '-', '_' and '.', at most 64).");
        if (Exists(name)) throw new CheckpointException(TakenMessage(name));
        Directory.CreateDirectory(Folder);
        var temporary = Path.Combine(Folder, $".upload-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = File.Create(temporary))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    total += read;
                    if (total > maxBytes) throw new CheckpointException($"The checkpoint is larger than the upload limit of {maxBytes / 1024.0 / 1024.0:F0} MB.");
                    file.Write(buffer, 0, read);
                }
            }
            try { using var loaded = Checkpoint.Load(temporary); }
            catch (CheckpointException e)       // name the upload, not the temporary file it was checked in
            {
                throw new CheckpointException(e.Message.Replace($"'{Path.GetFileName(temporary)}'", $"The upload '{name}'"), e);
            }
            var path = PathFor(name);
            try { File.Move(temporary, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { throw new CheckpointException(TakenMessage(name)); }    // taken meanwhile
            return new(name, Checkpoint.ReadMetadata(path), new FileInfo(path).Length, false);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
