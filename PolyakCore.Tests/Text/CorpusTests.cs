using PolyakCore.Text;

namespace PolyakCore.Tests.Text;

public class CorpusTests
{
    [Fact]
    public void TokenizerRoundTripsTheWholeCorpus()
    {
        var corpus = TextCorpus.ChildSpeech();
        var ids = corpus.Tokenizer.Encode(corpus.Text);
        Assert.Equal(corpus.Text, corpus.Tokenizer.Decode(ids));
        Assert.All(ids, id => Assert.InRange(id, 0, corpus.Tokenizer.Size - 1));
    }

    [Fact]
    public void TokenizerNamesTheCharactersItDoesNotKnow()
    {
        var tokenizer = CharTokenizer.Of("abc \n");
        var e = Assert.Throws<ArgumentException>(() => tokenizer.Encode("ab!c?!"));
        Assert.Contains("'!' '?'", e.Message);
        Assert.Equal(['!', '?'], tokenizer.Unknown("ab!c?!"));
    }

    [Fact]
    public void GeneratorIsDeterministicAndHasTheCorpusShape()
    {
        var (train, test) = ChildSpeechCorpus.Create(seed: 3);
        Assert.Equal(train, ChildSpeechCorpus.Create(seed: 3).Train);
        Assert.NotEqual(train, ChildSpeechCorpus.Create(seed: 4).Train);
        var lines = train.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10_000, lines.Length);
        Assert.Equal(1_000, test.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(train, c => Assert.True(c is ' ' or '\n' || char.IsAsciiLetter(c), $"unexpected {(int)c}"));
        Assert.All(lines.Take(200), line => Assert.Contains(ChildSpeechCorpus.Phrases, p => line.StartsWith(p + " ")));
        Assert.InRange(ChildSpeechCorpus.Phrases.Count, 45, 60);
        Assert.All(ChildSpeechCorpus.Phrases, p => Assert.InRange(p.Split(' ').Length, 2, 9));
        Assert.InRange(train.Length, 200_000, 400_000);
    }

    /// <summary>The exact floor against a plug-in estimate from 400,000 generated lines.</summary>
    [Fact]
    public void EntropyFloorMatchesAnEmpiricalEstimate()
    {
        double exact = ChildSpeechCorpus.EntropyFloor();
        var lines = ChildSpeechCorpus.Generate(400_000, seed: 11).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var counts = lines.GroupBy(l => l).Select(g => (double)g.Count()).ToArray();
        double n = lines.Length;
        double entropy = -counts.Sum(c => c / n * Math.Log(c / n));
        double meanLength = lines.Average(l => l.Length + 1.0);
        double empirical = entropy / meanLength;
        // The plug-in estimate is biased low by about (K² − 1)/(2n) nats a line: 0.003, or 1e-4 a character.
        Assert.Equal(exact, empirical, 0.002);
        Assert.InRange(exact, 0.2, 0.4);
    }

    [Fact]
    public void SplitIsNinetyTenAtALineBoundary()
    {
        var corpus = TextCorpus.ChildSpeech();
        Assert.Equal(corpus.Text, corpus.Train + corpus.Validation);
        Assert.EndsWith("\n", corpus.Train);
        Assert.InRange(corpus.Train.Length / (double)corpus.Text.Length, 0.89, 0.91);
        Assert.Equal(corpus.Train.Length / (32 * 128), corpus.IterationsPerEpoch(32, 128));
    }

    [Fact]
    public void BadCorporaGetClearMessages()
    {
        Assert.Contains("not UTF-8", Assert.Throws<CorpusException>(() => TextCorpus.FromBytes("x", [0x48, 0xC3, 0x28, 0xFF, 0xFE])).Message);
        Assert.Contains("too small", Assert.Throws<CorpusException>(() => TextCorpus.FromText("x", "hi\nthere\n")).Message);
        Assert.Contains("control character", Assert.Throws<CorpusException>(() => TextCorpus.FromText("x", string.Concat(Enumerable.Repeat("ab\0cd\n", 100)))).Message);
        var crlf = TextCorpus.FromText("x", string.Concat(Enumerable.Repeat("Hello there\r\n", 40)));
        Assert.DoesNotContain('\r', crlf.Text);
    }

    [Fact]
    public void LibraryStoresValidUploadsAndRefusesUnsafeNames()
    {
        using var folder = new TextFixtures.TempFolder();
        var library = new CorpusLibrary(folder.Path, maxBytes: 10_000);
        var text = string.Concat(Enumerable.Repeat("Mama up Shoes on\n", 50));
        var info = library.Save("my-kids", System.Text.Encoding.UTF8.GetBytes(text));
        Assert.Equal(50, info.Lines);
        Assert.Contains(library.List(), c => c.Name == "my-kids" && !c.BuiltIn);
        Assert.Equal(text, library.Get("my-kids").Text);

        Assert.Throws<CorpusException>(() => library.Save("../evil", [65]));
        Assert.Throws<CorpusException>(() => library.Get("../../etc/passwd"));
        Assert.Contains("limit", Assert.Throws<CorpusException>(() => library.Save("big", new byte[20_000])).Message);
        // A bad upload under an existing name leaves the good file in place.
        Assert.Throws<CorpusException>(() => library.Save("my-kids", [0xFF, 0xFE, 0x00]));
        Assert.Equal(text, library.Get("my-kids").Text);
    }

    [Fact]
    public void UploadsGetTheirNGramReferenceOnceAndKeepIt()
    {
        using var folder = new TextFixtures.TempFolder();
        var text = ChildSpeechCorpus.Generate(300, seed: 3);
        var info = new CorpusLibrary(folder.Path).Save("kids", System.Text.Encoding.UTF8.GetBytes(text));
        Assert.Null(info.EntropyFloor);
        var reference = Assert.IsType<NGramReference>(info.Reference);
        Assert.Equal([1, 2, 3, 4, 5], reference.Losses.Select(l => l.N));
        Assert.Equal(NGramReference.Of(TextCorpus.FromText("kids", text)).Losses, reference.Losses);   // the GPT's split
        var sidecar = Path.Combine(folder.Path, "kids.reference.json");
        Assert.True(File.Exists(sidecar));
        // A new library (a restarted server) reads it back rather than counting again.
        var stored = System.Text.Json.JsonSerializer.Deserialize<NGramReference>(File.ReadAllText(sidecar), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        File.WriteAllText(sidecar, System.Text.Json.JsonSerializer.Serialize(stored with { Seconds = 123 }, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));
        var listed = new CorpusLibrary(folder.Path).List().Single(c => c.Name == "kids");
        Assert.Equal(123, listed.Reference!.Seconds);
        Assert.Equal(reference.Losses, listed.Reference.Losses);
        // The built-in corpus has both: the exact floor and the n-gram losses above it.
        var builtIn = new CorpusLibrary(folder.Path).Describe(ChildSpeechCorpus.Name, generator: new ChildSpeechGenerator { Zipf = 1 });
        Assert.True(builtIn.Reference!.Best.ValLoss > builtIn.EntropyFloor);
    }
}
