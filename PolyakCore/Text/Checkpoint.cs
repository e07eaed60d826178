using System.Text;
using System.Text.Json;
using PolyakCore.Optimization;
using PolyakCore.Shared;

namespace PolyakCore.Text;

/// <summary>Everything needed to use a checkpoint on its own: the model's sizes, its vocabulary, and how it was trained.</summary>
public sealed record CheckpointMetadata
{
    public int FormatVersion { get; init; } = Checkpoint.FormatVersion;
    public required GptConfig Model { get; init; }
    /// <summary>The vocabulary, in token-id order.</summary>
    public required string Vocabulary { get; init; }
    public string? Preset { get; init; }
    public required string Optimizer { get; init; }
    public OptimizerSettings OptimizerOptions { get; init; } = new();
    public int BatchSize { get; init; }
    public int Seed { get; init; }
    public int Epoch { get; init; }
    public int Steps { get; init; }
    public double TrainLoss { get; init; }
    public double ValLoss { get; init; }
    public required string Corpus { get; init; }
    public double? EntropyFloor { get; init; }
    /// <summary>"best" (lowest validation loss so far) or "last".</summary>
    public string Kind { get; init; } = "last";
    public string? RunId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A checkpoint that cannot be used, with a message for the user.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A loaded checkpoint: a fresh model with the weights in, ready to generate.</summary>
public sealed class LoadedCheckpoint(CharGpt model, CharTokenizer tokenizer, CheckpointMetadata metadata) : IDisposable
{
    public CharGpt Model { get; } = model;
    public CharTokenizer Tokenizer { get; } = tokenizer;
    public CheckpointMetadata Metadata { get; } = metadata;
    public void Dispose() => Model.Dispose();
}

/// <summary>The checkpoint file: a magic line, the metadata as JSON, then TorchSharp's weights.</summary>
/// <remarks>Written to a temporary file and renamed, so a crash mid-write never leaves half a checkpoint under the real
/// name. Loading reads into a fresh model and only returns it whole: a bad file never touches a model in use.</remarks>
public static class Checkpoint
{
    public const int FormatVersion = 1;
    public const string Extension = ".ckpt";
    private static readonly byte[] Magic = "POLYAK-GPT-CHECKPOINT\n"u8.ToArray();
    private const int MaxHeaderBytes = 1 << 20;
    private const int WeightBytes = sizeof(float);
    /// <summary>The largest model a checkpoint may describe.</summary>
    public const long MaxParameters = 200_000_000;

    public static void Save(string path, CharGpt model, CheckpointMetadata metadata)
    {
        if (metadata.Vocabulary.Length != model.Config.VocabSize)
            throw new ArgumentException("The vocabulary does not match the model's size.", nameof(metadata));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            var header = JsonSerializer.SerializeToUtf8Bytes(metadata with { Model = model.Config }, PolyakJson.Options);
            writer.Write(Magic);
            writer.Write(header.Length);
            writer.Write(header);
            model.save(writer);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads only the metadata (for lists); throws <see cref="CheckpointException"/> on a bad file.</summary>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        using var stream = Open(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return ReadHeader(reader, path);
    }

    public static LoadedCheckpoint Load(string path)
    {
        using var stream = Open(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var metadata = ReadHeader(reader, path);
        // Before a byte of the model is allocated: the file must hold at least the weights its header declares
        // (4 bytes a parameter), so a small file cannot make the server build a huge model to find out.
        long declared = metadata.Model.ParameterCount * WeightBytes, left = stream.Length - stream.Position;
        if (left < declared)
            throw new CheckpointException($"{Name(path)} is truncated: its header declares {metadata.Model.ParameterCount:N0} parameters " +
                $"({declared / 1024.0 / 1024.0:F1} MB of weights) but only {left:N0} bytes follow it.");
        var model = new CharGpt(metadata.Model, seed: 0);   // its own generator: the weights are overwritten, and other threads share the global one
        try
        {
            model.load(reader, strict: true);
            if (stream.Position != stream.Length)
                throw new CheckpointException($"{Name(path)} has {stream.Length - stream.Position} bytes after its weights: it is not a checkpoint this app wrote.");
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new CheckpointException($"{Name(path)} is truncated: its weights end early (was the copy complete?).", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            model.Dispose();
            throw new CheckpointException($"{Name(path)}'s weights do not fit the model its header describes " +
                $"({metadata.Model.NEmbd}-dim, {metadata.Model.NLayer} layers, a vocabulary of {metadata.Model.VocabSize}): {e.Message}", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return new LoadedCheckpoint(model, new CharTokenizer(metadata.Vocabulary), metadata);
    }

    private static FileStream Open(string path)
    {
        try { return File.OpenRead(path); }
        catch (FileNotFoundException e) { throw new CheckpointException($"There is no checkpoint {Name(path)}.", e); }
        catch (DirectoryNotFoundException e) { throw new CheckpointException($"There is no checkpoint {Name(path)}.", e); }
        catch (UnauthorizedAccessException e) { throw new CheckpointException($"{Name(path)} cannot be read: {e.Message}", e); }
    }

    private static CheckpointMetadata ReadHeader(BinaryReader reader, string path)
    {
        string name = Name(path);
        try
        {
            var magic = reader.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic))
                throw new CheckpointException($"{name} is not a Polyak Dashboard checkpoint (it does not start like one).");
            int length = reader.ReadInt32();
            if (length <= 0 || length > MaxHeaderBytes) throw new CheckpointException($"{name} has a corrupt header.");
            var header = reader.ReadBytes(length);
            if (header.Length != length) throw new EndOfStreamException();
            var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(header, PolyakJson.Options)
                ?? throw new CheckpointException($"{name} has an empty header.");
            Validate(metadata, name);
            return metadata;
        }
        catch (EndOfStreamException e) { throw new CheckpointException($"{name} is truncated: it ends inside its header.", e); }
        catch (JsonException e) { throw new CheckpointException($"{name} has a corrupt header: {e.Message}", e); }
    }

    private static void Validate(CheckpointMetadata m, string name)
    {
        if (m.FormatVersion != FormatVersion)
            throw new CheckpointException($"{name} is format version {m.FormatVersion}; this app reads version {FormatVersion}.");
        var c = m.Model;
        if (c is null || c.VocabSize < 1 || c.NEmbd < 1 || c.NHead < 1 || c.NLayer < 1 || c.Block < 1 || c.NEmbd % c.NHead != 0
            || c.ParameterCount > MaxParameters || c.Block > 4096 || !(c.Dropout >= 0 && c.Dropout < 1))
            throw new CheckpointException($"{name} describes an impossible model ({c}).");
        if (m.Vocabulary is null || m.Vocabulary.Length != c.VocabSize || !m.Vocabulary.SequenceEqual(m.Vocabulary.Distinct().Order()))
            throw new CheckpointException($"{name}'s vocabulary ({m.Vocabulary?.Length ?? 0} characters) does not match its model's ({c.VocabSize}).");
    }

    private static string Name(string path) => $"'{Path.GetFileName(path)}'";
}
