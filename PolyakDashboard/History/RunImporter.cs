using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PolyakCore.Shared;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.History;

/// <summary>What went wrong with one import: the file (or zip entry), what kind of wrong, and the field.</summary>
public enum ImportProblemKind { TooLarge, Unreadable, NoDocuments, NotJson, Empty, Invalid }

/// <param name="Source">The file, "file.zip/entry.json" for an entry of a zip; empty for an HTTP body itself.</param>
public sealed record ImportProblem(string Source, ImportProblemKind Kind, FieldError Error)
{
    /// <summary>The problem's name in a validation response: the field, after the entry's name within a zip.</summary>
    public string Key => Source.Length == 0 ? Error.Field : $"{Source}: {Error.Field}";

    /// <summary>The Runs page's line for it.</summary>
    public string Line => Kind switch
    {
        ImportProblemKind.NotJson => $"{Source}: not a run export (JSON error{(Error.Field == "body" ? "" : $" at {Error.Field}")}: {Error.Message})",
        ImportProblemKind.Empty => $"{Source}: the file is empty.",
        ImportProblemKind.Invalid => $"{Source}: {Error.Field}: {Error.Message}",
        _ => $"{Source}: {Error.Message}",
    };
}

/// <summary>A run imported, under its own id or, when that was taken, a fresh one.</summary>
public sealed record ImportedRun(string Source, string OriginalId, LiveRun Run)
{
    public string Line => Run.Id == OriginalId ? Run.Id : $"{OriginalId} as {Run.Id} (its id was taken)";
}

public sealed record ImportReport(IReadOnlyList<ImportedRun> Imported, IReadOnlyList<ImportProblem> Problems);

/// <summary>Imports exported runs: one JSON document (<see cref="RunDocument"/>) or a zip of them, as the Runs page
/// uploads them and <c>POST /api/runs/import</c> receives them. Every upload is hostile until read: bounded by
/// <see cref="RunOptions.MaxImportBytes"/> (the file, and each document unpacked), parsed and validated before
/// anything is stored, each problem named by file and field.</summary>
public sealed class RunImporter(RunHistory history, IOptions<RunOptions> options)
{
    public long MaxBytes => options.Value.MaxImportBytes;

    /// <summary>A name that says zip (the page goes by the file's name; the API by the content type).</summary>
    public static bool IsZipName(string name) => name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);

    /// <summary>The problem with a file of <paramref name="bytes"/>, when it is over the limit; else null.</summary>
    public ImportProblem? TooLarge(string name, long bytes) => bytes > MaxBytes
        ? new(name, ImportProblemKind.TooLarge, new FieldError("body", $"the file is {bytes / 1048576.0:0.#} MB; imports are limited to {MaxBytes / 1048576} MB."))
        : null;

    /// <summary>Copies <paramref name="upload"/> (read to its end, at most <see cref="MaxBytes"/>) to a temporary file, then
    /// imports the document, or each document of the zip.</summary>
    /// <param name="name">The file's name for messages ("" for an HTTP body).</param>
    /// <param name="allOrNothing">Import nothing unless every document is valid (the API); else each valid one (the page).</param>
    public async Task<ImportReport> ImportAsync(string name, Stream upload, bool zip, bool allOrNothing = false, CancellationToken cancel = default)
    {
        // Browser and request streams are async only, and a zip needs seeking: a temporary file, deleted on close.
        await using var copy = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await upload.ReadAsync(buffer, cancel)) > 0)
            {
                await copy.WriteAsync(buffer.AsMemory(0, read), cancel);
                if (copy.Length > MaxBytes) return new([], [TooLarge(name, copy.Length)!]);
            }
            copy.Position = 0;
            return zip ? await ImportZipAsync(name, copy, allOrNothing, cancel) : await ImportDocumentAsync(name, copy, copy.Length, cancel);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)   // that one is the server's 413
        {
            return new([], [new(name, ImportProblemKind.Unreadable, new FieldError("body", e.Message))]);
        }
    }

    private async Task<ImportReport> ImportDocumentAsync(string source, Stream stream, long length, CancellationToken cancel)
    {
        var (document, problems) = await ReadAsync(source, stream, length, cancel);
        if (document is null) return new([], problems);
        return new([await SaveAsync(source, document)], []);
    }

    private async Task<ImportReport> ImportZipAsync(string name, Stream stream, bool allOrNothing, CancellationToken cancel)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        // Run folders (the CSV export) carry a run.json of metadata beside their CSV files: not a run document.
        var entries = zip.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !e.FullName.EndsWith("/run.json")).ToArray();
        if (entries.Length == 0)
            return new([], [new(name, ImportProblemKind.NoDocuments, new FieldError("body", "no run documents (.json) in this zip; a CSV export cannot be imported, export as JSON."))]);
        string SourceOf(ZipArchiveEntry entry) => name.Length == 0 ? entry.FullName : $"{name}/{entry.FullName}";
        var problems = new List<ImportProblem>();
        if (allOrNothing)
        {
            // A first pass reads and checks every document (one at a time: documents can be large), a second stores them.
            foreach (var entry in entries)
            {
                await using var check = entry.Open();
                problems.AddRange((await ReadAsync(SourceOf(entry), check, entry.Length, cancel)).Problems);
            }
            if (problems.Count > 0) return new([], problems);
        }
        var imported = new List<ImportedRun>();
        foreach (var entry in entries)
        {
            await using var entryStream = entry.Open();
            var (document, found) = await ReadAsync(SourceOf(entry), entryStream, entry.Length, cancel);
            problems.AddRange(found);
            if (document is not null) imported.Add(await SaveAsync(SourceOf(entry), document));
        }
        return new(imported, problems);
    }

    /// <summary>One document, parsed and validated; null with the reasons when it cannot be imported.</summary>
    private async Task<(RunDocument? Document, IReadOnlyList<ImportProblem> Problems)> ReadAsync(string source, Stream stream, long length, CancellationToken cancel)
    {
        if (length > MaxBytes)
            return (null, [new(source, ImportProblemKind.TooLarge, new FieldError("body", $"the document is {length / 1048576.0:0.#} MB unpacked; imports are limited to {MaxBytes / 1048576} MB."))]);
        if (length == 0) return (null, [new(source, ImportProblemKind.Empty, new FieldError("body", "A JSON body is required."))]);
        RunDocument? document;
        try
        {
            document = await JsonSerializer.DeserializeAsync<RunDocument>(stream, PolyakJson.Options, cancel);
        }
        catch (JsonException e)
        {
            return (null, [new(source, ImportProblemKind.NotJson, JsonError(e))]);
        }
        if (document is null) return (null, [new(source, ImportProblemKind.Empty, new FieldError("body", "A JSON object is required."))]);
        var invalid = document.Validate();
        return invalid.Count > 0 ? (null, [.. invalid.Select(e => new ImportProblem(source, ImportProblemKind.Invalid, e))]) : (document, []);
    }

    private async Task<ImportedRun> SaveAsync(string source, RunDocument document) =>
        new(source, document.Run!.Id, await history.ImportAsync(document));

    /// <summary>A JSON error named by the field it is in ("body" when the document itself is cut short or malformed).</summary>
    private static FieldError JsonError(JsonException e)
    {
        bool truncated = e.Message.Contains("JSON payload", StringComparison.Ordinal);
        string field = truncated || string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
        string message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? "Unknown field: " + e.Message.Split('\'').ElementAtOrDefault(1) : e.Message.Split(" Path:")[0];
        return new FieldError(field, message);
    }
}
