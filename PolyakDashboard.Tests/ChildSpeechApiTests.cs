using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Text;

namespace PolyakDashboard.Tests;

/// <summary>Corpora, checkpoints and a child-speech run through the HTTP API.</summary>
public class ChildSpeechApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CorporaListTheBuiltInOneWithItsFloorAndTakeUploads()
    {
        using var list = JsonDocument.Parse(await _client.GetStringAsync("/api/corpora"));
        var builtIn = list.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "child-speech");
        Assert.Equal(ChildSpeechCorpus.EntropyFloor(), builtIn.GetProperty("entropyFloor").GetDouble(), 1e-12);
        Assert.Equal(10_000, builtIn.GetProperty("lines").GetInt32());

        var text = ChildSpeechCorpus.Generate(200, seed: 9);
        var created = await _client.PostAsync("/api/corpora?name=small-kids", new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", "from-form.txt" } };
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/api/corpora", form)).StatusCode);
        var names = JsonDocument.Parse(await _client.GetStringAsync("/api/corpora")).RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString());
        Assert.Contains("small-kids", names);
        Assert.Contains("from-form", names);
        var again = await _client.PostAsync("/api/corpora?name=small-kids", new StringContent("other text\n", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);     // checkpoints name their corpus: it never changes under them
        Assert.Contains("A corpus named 'small-kids' exists already", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheBuiltInCorpusTakesGeneratorSettingsAndUploadsGetAnNGramReference()
    {
        using var floor = JsonDocument.Parse(await _client.GetStringAsync("/api/corpora/child-speech/floor?zipf=1&perLine=4,3,2,1"));
        Assert.Equal(GeneratorEntropy.Floor(new ChildSpeechGenerator { Zipf = 1, PhrasesPerLine = [4, 3, 2, 1] }), floor.RootElement.GetProperty("entropyFloor").GetDouble(), 1e-12);
        Assert.Equal(5, floor.RootElement.GetProperty("reference").GetProperty("losses").GetArrayLength());
        using var own = JsonDocument.Parse(await _client.GetStringAsync("/api/corpora/child-speech/floor?phrase=Hi&phrase=Bye%20now&perLine=1,1"));
        Assert.Equal(GeneratorEntropy.Floor(new ChildSpeechGenerator { Phrases = ["Hi", "Bye now"], PhrasesPerLine = [1, 1] }), own.RootElement.GetProperty("entropyFloor").GetDouble(), 1e-12);
        foreach (var (query, field) in new[] { ("zipf=-1", "zipf"), ("perLine=1,x", "perLine"), ("perLine=0,0", "phrasesPerLine"), ("phrase=%20lead", "phrases") })
        {
            var bad = await _client.GetAsync($"/api/corpora/child-speech/floor?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _), query);
        }

        var text = ChildSpeechCorpus.Generate(300, seed: 21);
        var created = await _client.PostAsync("/api/corpora?name=ngram-kids", new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var info = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.False(info.RootElement.TryGetProperty("entropyFloor", out var noFloor) && noFloor.ValueKind != JsonValueKind.Null);
        var losses = info.RootElement.GetProperty("reference").GetProperty("losses").EnumerateArray().Select(l => l.GetProperty("valLoss").GetDouble()).ToArray();
        Assert.Equal(NGramReference.Of(TextCorpus.FromText("ngram-kids", text)).Losses.Select(l => l.ValLoss), losses);

        // A run on the built-in corpus with settings trains on that corpus and reports its floor.
        var start = await _client.PostAsJsonAsync("/api/runs", new
        {
            problem = "child-speech", optimizer = "adam", batchSize = 4, epochs = 1,
            problemOptions = new { text = new { nEmbd = 16, nHead = 2, nLayer = 1, block = 16, evalBatches = 1, generator = new { zipf = 2.0, phrasesPerLine = new[] { 1.0 } } } },
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var run = await WaitAsync(JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        Assert.Equal(GeneratorEntropy.Floor(new ChildSpeechGenerator { Zipf = 2, PhrasesPerLine = [1] }), run.GetProperty("summary").GetProperty("entropyFloor").GetDouble(), 1e-12);
        var refused = await _client.PostAsJsonAsync("/api/runs", new
        {
            problem = "child-speech", optimizer = "adam", batchSize = 4, epochs = 1,
            problemOptions = new { text = new { corpus = "ngram-kids", generator = new { zipf = 1.0 } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("problemOptions.text.generator", await refused.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("../escape", "Mama up\n", "corpus")]
    [InlineData("child-speech", "Mama up\n", "corpus")]
    [InlineData("tiny", "Mama up\n", "corpus")]
    [InlineData(null, "Mama up\n", "name")]
    public async Task BadCorpusUploadsGet400(string? name, string body, string field)
    {
        var url = name is null ? "/api/corpora" : $"/api/corpora?name={Uri.EscapeDataString(name)}";
        var response = await _client.PostAsync(url, new StringContent(body, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task NonUtf8CorpusIsRefusedWithAMessage()
    {
        var response = await _client.PostAsync("/api/corpora?name=latin1", new ByteArrayContent([0x4D, 0x61, 0xE9, 0x0A, 0xFF]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not UTF-8", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AChildSpeechRunTrainsReportsValidationLossAndLeavesCheckpoints()
    {
        var text = ChildSpeechCorpus.Generate(400, seed: 4);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/api/corpora?name=run-kids", new StringContent(text))).StatusCode);
        var start = await _client.PostAsJsonAsync("/api/runs", new
        {
            problem = "child-speech", optimizer = "adam", optimizerOptions = new { lr = 0.003 }, batchSize = 8, epochs = 2,
            problemOptions = new { text = new { corpus = "run-kids", nEmbd = 32, nHead = 2, nLayer = 1, block = 32, evalBatches = 2 } },
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var run = await WaitAsync(id);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var summary = run.GetProperty("summary");
        Assert.True(summary.GetProperty("valLoss").GetDouble() < 3.5);

        using var metrics = JsonDocument.Parse(await _client.GetStringAsync($"/api/runs/{id}/metrics?format=json"));
        var epochs = metrics.RootElement.GetProperty("epochs").EnumerateArray().ToArray();
        Assert.Equal(3, epochs.Length);
        Assert.All(epochs, e => Assert.True(e.GetProperty("valLoss").GetDouble() > 0));
        Assert.Equal(run.GetProperty("totalSteps").GetInt32(), metrics.RootElement.GetProperty("batches").GetArrayLength());

        using var checkpoints = JsonDocument.Parse(await _client.GetStringAsync("/api/checkpoints"));
        var mine = checkpoints.RootElement.EnumerateArray().Where(c => c.GetProperty("metadata").TryGetProperty("runId", out var r) && r.GetString() == id).ToArray();
        Assert.Equal(2, mine.Length);
        Assert.All(mine, c => Assert.Equal("run-kids", c.GetProperty("metadata").GetProperty("corpus").GetString()));
        // Named by run and optimizer: a list of checkpoints says which model each is.
        string optimizer = run.GetProperty("request").GetProperty("optimizer").GetString()!;
        Assert.Equal([$"{id}-{optimizer}-best", $"{id}-{optimizer}-last"], mine.Select(c => c.GetProperty("name").GetString()).Order());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/api/checkpoints/{id}-{optimizer}-best")).StatusCode);
    }

    [Fact]
    public async Task BadChildSpeechRequestsGet400()
    {
        async Task<string[]> Fields(object request)
        {
            var response = await _client.PostAsJsonAsync("/api/runs", request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
        }
        Assert.Contains("problemOptions.text.corpus", await Fields(new { problem = "child-speech", problemOptions = new { text = new { corpus = "no-such-corpus" } } }));
        Assert.Contains("problemOptions.text.corpusPath", await Fields(new { problem = "child-speech", problemOptions = new { text = new { corpusPath = "/etc/passwd" } } }));
        Assert.Contains("problemOptions.text.nEmbd", await Fields(new { problem = "child-speech", problemOptions = new { text = new { nEmbd = 2048, nLayer = 48 } } }));
        Assert.Contains("problemOptions.text.preset", await Fields(new { problem = "child-speech", problemOptions = new { text = new { preset = "gigantic" } } }));
    }

    [Fact]
    public async Task CheckpointUploadsAreValidatedBeforeTheyAreStored()
    {
        using var model = new CharGpt(new GptConfig(12, 16, 2, 1, 16, 0), seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}.ckpt");
        Checkpoint.Save(path, model, new CheckpointMetadata { Model = model.Config, Vocabulary = "\n abcdefghij", Optimizer = "sgd", Corpus = "test" });
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);

        var good = await _client.PostAsync("/api/checkpoints?name=uploaded-ok", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        var truncated = await _client.PostAsync("/api/checkpoints?name=uploaded-bad", new ByteArrayContent(bytes[..(bytes.Length / 3)]));
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Contains("truncated", await truncated.Content.ReadAsStringAsync());
        var traversal = await _client.PostAsync("/api/checkpoints?name=..%2F..%2Fevil", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.BadRequest, traversal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/checkpoints/uploaded-bad")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/checkpoints/uploaded-ok")).StatusCode);

        // No upload replaces a checkpoint: not an earlier upload (or a trained run's), not a shipped one.
        Directory.CreateDirectory(factory.ShippedCheckpointFolder);
        await File.WriteAllBytesAsync(Path.Combine(factory.ShippedCheckpointFolder, "shipped-model.ckpt"), bytes);
        foreach (var taken in new[] { "uploaded-ok", "shipped-model" })
        {
            var again = await _client.PostAsync($"/api/checkpoints?name={taken}", new ByteArrayContent(bytes[..(bytes.Length / 3)]));
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains($"A checkpoint named '{taken}' exists already", await again.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/checkpoints/uploaded-ok")).StatusCode);   // still the good one
    }

    private async Task<JsonElement> WaitAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var run = JsonDocument.Parse(await _client.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (run.GetProperty("status").GetString() is not ("queued" or "running")) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} is still {run.GetProperty("status")}.");
            await Task.Delay(100);
        }
    }
}

public class GenerationWarmUpTests
{
    [Fact]
    public async Task StartUpLoadsTheBestShippedCheckpointInTheBackground()
    {
        var shipped = Directory.CreateTempSubdirectory("polyak-shipped-").FullName;
        var vocabulary = string.Concat(TextCorpus.ChildSpeech().Tokenizer.Vocabulary);
        foreach (var (name, val) in new[] { ("worse", 2.0), ("better", 1.0) })
        {
            using var model = new CharGpt(new GptConfig(vocabulary.Length, 16, 2, 1, 16, 0), seed: 1);
            Checkpoint.Save(Path.Combine(shipped, name + Checkpoint.Extension), model,
                new CheckpointMetadata { Model = model.Config, Vocabulary = vocabulary, Optimizer = "adam", Corpus = "child-speech", ValLoss = val });
        }
        await using var factory = new DashboardFactory
        {
            Settings = new Dictionary<string, string> { ["ChildSpeech:WarmUp"] = "true", ["ChildSpeech:ShippedCheckpointFolder"] = shipped },
        };
        factory.CreateClient();
        var cache = factory.Services.GetRequiredService<PolyakDashboard.ChildSpeech.CheckpointCache>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cache.Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(1, cache.Count);   // one checkpoint, the better one, is loaded and warm
        using var lease = cache.Acquire("better");
        Assert.Equal(1, cache.Count);
    }
}

/// <summary>The checkpoints that ship with the app (PolyakDashboard/checkpoints) load, and the adam one speaks the corpus.</summary>
public class ShippedCheckpointTests
{
    [Fact]
    public async Task TheShippedAdamModelWritesLinesOfTwoCorpusPhrases()
    {
        var shipped = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard/checkpoints"));
        Assert.True(Directory.Exists(shipped), shipped);
        await using var factory = new DashboardFactory { Settings = new Dictionary<string, string> { ["ChildSpeech:ShippedCheckpointFolder"] = shipped } };
        var client = factory.CreateClient();

        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/checkpoints"));
        var names = list.RootElement.EnumerateArray().Where(c => c.GetProperty("shipped").GetBoolean()).Select(c => c.GetProperty("name").GetString()).ToHashSet();
        foreach (var name in new[] { "1d-tiny-b16-adam-best", "1d-tiny-b16-sgd-best", "1d-tiny-b16-polyak-sgd-best", "1d-tiny-b16-sps-max-best" })
            Assert.Contains(name, names);

        var response = await client.PostAsJsonAsync("/api/generate", new
        {
            checkpoints = new[] { "1d-tiny-b16-adam-best" }, samples = 8, maxNewCharacters = 120, stopAtEndOfLine = true, temperature = 0.8, seed = 3,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var lines = body.RootElement.GetProperty("checkpoints")[0].GetProperty("samples").EnumerateArray()
            .Select(s => s.GetProperty("text").GetString()!.TrimEnd('\n')).ToArray();
        Assert.Equal(8, lines.Length);
        // A line is two phrases from the list joined by a space; the model learned that (validation 0.287 against a floor of 0.251).
        bool TwoPhrases(string line) => ChildSpeechCorpus.Phrases.Any(a => line.StartsWith(a + " ") && ChildSpeechCorpus.Phrases.Contains(line[(a.Length + 1)..]));
        Assert.True(lines.Count(TwoPhrases) >= 6, string.Join(" | ", lines));
    }
}
