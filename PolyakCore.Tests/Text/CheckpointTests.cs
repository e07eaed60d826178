using PolyakCore.Text;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Text;

public class CheckpointTests
{
    private static CheckpointMetadata Metadata(CharGpt model, string vocabulary) => new()
    {
        Model = model.Config, Vocabulary = vocabulary, Optimizer = "adam", Corpus = "test", Epoch = 3, TrainLoss = 1.5, ValLoss = 1.6,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private const string Vocabulary = "\n abcdefghij";   // 12 characters, sorted

    [Fact]
    public void RoundTripGivesIdenticalLogitsAndMetadata()
    {
        using var folder = new TextFixtures.TempFolder();
        using var model = TextFixtures.SmallModel();
        model.eval();
        var path = folder.File("m.ckpt");
        Checkpoint.Save(path, model, Metadata(model, Vocabulary));
        Assert.False(File.Exists(path + ".tmp"));

        using var loaded = Checkpoint.Load(path);
        using var x = tensor(new long[] { 1, 2, 3, 4, 5, 6 }).unsqueeze(0);
        using var noGrad = no_grad();
        Assert.True(model.forward(x).Equals(loaded.Model.forward(x)), "logits must be bit-identical");
        Assert.Equal(model.Config, loaded.Metadata.Model);
        Assert.Equal(Vocabulary, string.Concat(loaded.Tokenizer.Vocabulary));
        Assert.Equal(3, loaded.Metadata.Epoch);
        Assert.Equal("adam", Checkpoint.ReadMetadata(path).Optimizer);
    }

    [Fact]
    public void EveryBadFileGetsItsOwnMessage()
    {
        using var folder = new TextFixtures.TempFolder();
        using var model = TextFixtures.SmallModel();
        var good = folder.File("good.ckpt");
        Checkpoint.Save(good, model, Metadata(model, Vocabulary));
        var bytes = File.ReadAllBytes(good);

        string Message(string name, byte[] content)
        {
            File.WriteAllBytes(folder.File(name), content);
            return Assert.Throws<CheckpointException>(() => Checkpoint.Load(folder.File(name))).Message;
        }

        Assert.Contains("truncated", Message("cut.ckpt", bytes[..(bytes.Length / 2)]));
        Assert.Contains("truncated", Message("header-cut.ckpt", bytes[..30]));
        Assert.Contains("not a Polyak Dashboard checkpoint", Message("garbage.ckpt", [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31))]));
        Assert.Contains("not a Polyak Dashboard checkpoint", Message("empty.ckpt", []));
        Assert.Contains("after its weights", Message("extra.ckpt", [.. bytes, 1, 2, 3]));
        Assert.Contains("There is no checkpoint", Assert.Throws<CheckpointException>(() => Checkpoint.Load(folder.File("missing.ckpt"))).Message);

        // Wrong vocabulary: a header that promises 13 characters over weights made for 12.
        using var bigger = new CharGpt(model.Config with { VocabSize = 13 });
        var lying = folder.File("lying.ckpt");
        Checkpoint.Save(lying, bigger, Metadata(bigger, Vocabulary + "k"));
        var header = File.ReadAllBytes(lying);
        var weights = bytes.AsSpan(HeaderLength(bytes)).ToArray();
        Assert.Contains("do not fit", Message("wrong-vocab.ckpt", [.. header.AsSpan(0, HeaderLength(header)), .. weights]));

        // A header whose vocabulary disagrees with its own model size.
        var json = System.Text.Encoding.UTF8.GetString(bytes, 26, HeaderLength(bytes) - 26);
        Assert.Contains("\"vocabulary\": \"\\n abcdefghij\"", json);
        Assert.Contains("vocabulary", Message("mismatch.ckpt", Rewrite(json.Replace("abcdefghij", "abc"), weights)));
    }

    [Fact]
    public void AFailedLoadLeavesTheModelInUseAlone()
    {
        using var folder = new TextFixtures.TempFolder();
        using var model = TextFixtures.SmallModel();
        var path = folder.File("m.ckpt");
        Checkpoint.Save(path, model, Metadata(model, Vocabulary));
        var library = new CheckpointLibrary(folder.Path);
        using var inUse = library.Load("m");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..2000]);
        Assert.Throws<CheckpointException>(() => library.Load("m"));
        using var x = tensor(new long[] { 1, 2 }).unsqueeze(0);
        using var noGrad = no_grad();
        model.eval();
        Assert.True(inUse.Model.forward(x).allclose(model.forward(x)));
        Assert.Throws<CheckpointException>(() => library.Resolve("../m"));    // names cannot leave the folder
    }

    [Fact]
    public void ImportRefusesABadUploadAndATakenNameWithoutTouchingTheGoodOne()
    {
        using var folder = new TextFixtures.TempFolder();
        using var model = TextFixtures.SmallModel();
        var source = folder.File("source.bin");
        Checkpoint.Save(source, model, Metadata(model, Vocabulary));
        var library = new CheckpointLibrary(System.IO.Path.Combine(folder.Path, "lib"));
        using (var good = File.OpenRead(source)) library.Import("kid", good, 10_000_000);
        var before = File.ReadAllBytes(library.PathFor("kid"));
        using (var bad = new MemoryStream(before[..1000]))
            Assert.Throws<CheckpointException>(() => library.Import("kid-2", bad, 10_000_000));
        Assert.False(library.Exists("kid-2"));
        using (var again = File.OpenRead(source))        // a good file under a taken name: refused, not a replacement
            Assert.Contains("exists already", Assert.Throws<CheckpointException>(() => library.Import("kid", again, 10_000_000)).Message);
        using (var big = new MemoryStream(before))
            Assert.Contains("upload limit", Assert.Throws<CheckpointException>(() => library.Import("other", big, 1000)).Message);
        Assert.Equal(before, File.ReadAllBytes(library.PathFor("kid")));
        Assert.Single(library.List());
        Assert.Empty(Directory.GetFiles(library.Folder, "*.tmp"));
    }

    [Fact]
    public void TheShippedReportTrioIsTheBestShippedSgdPolyakAndAdamInTheReportsOrder()
    {
        var config = new GptConfig(12, 8, 2, 1, 16, 0);
        CheckpointInfo Info(string name, string optimizer, double valLoss, bool shipped) =>
            new(name, new CheckpointMetadata { Model = config, Vocabulary = Vocabulary, Optimizer = optimizer, Corpus = "test", ValLoss = valLoss }, 1, shipped);
        var list = new[]
        {
            Info("adam-a", "adam", 0.40, true), Info("adam-b", "adam", 0.30, true), Info("adam-run", "adam", 0.10, false),
            Info("polyak", "polyak-sgd", 1.2, true), Info("sps", "sps-max", 0.9, true), Info("sgd-run", "sgd", 2.0, false),
        };
        Assert.Equal(["polyak", "adam-b"], CheckpointLibrary.ShippedReportTrio(list));   // no shipped sgd: left out
        Assert.Equal(["sgd", "polyak", "adam-b"], CheckpointLibrary.ShippedReportTrio([.. list, Info("sgd", "sgd", 2.5, true)]));
        Assert.Empty(CheckpointLibrary.ShippedReportTrio(list.Where(c => !c.Shipped)));
    }

    // magic line + int32 length + JSON
    private static int HeaderLength(byte[] file) => 22 + 4 + BitConverter.ToInt32(file, 22);

    private static byte[] Rewrite(string json, byte[] weights)
    {
        var header = System.Text.Encoding.UTF8.GetBytes(json);
        return [.. "POLYAK-GPT-CHECKPOINT\n"u8, .. BitConverter.GetBytes(header.Length), .. header, .. weights];
    }
}
