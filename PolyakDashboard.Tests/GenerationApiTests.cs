using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Text;
using PolyakDashboard.ChildSpeech;

namespace PolyakDashboard.Tests;

/// <summary>Small random-weight checkpoints written where a test app looks for them (random weights generate as fast
/// as trained ones; the text is noise, which is all these tests need).</summary>
public static class TestCheckpoints
{
    public const string Vocabulary = "\n abcdefghijklmnopqrstuvwxyz";

    public static string Write(string folder, string name, int seed = 1, string optimizer = "adam", int block = 32)
    {
        using var model = new CharGpt(new GptConfig(Vocabulary.Length, 32, 4, 2, block, 0), seed);
        var path = Path.Combine(folder, name + Checkpoint.Extension);
        Checkpoint.Save(path, model, new CheckpointMetadata
        {
            Model = model.Config, Vocabulary = Vocabulary, Optimizer = optimizer, Corpus = "child-speech", Preset = "test",
            Epoch = 3, Steps = 120, TrainLoss = 1.9, ValLoss = 2.0 + seed / 10.0, Kind = "best", CreatedAt = DateTimeOffset.UnixEpoch.AddDays(seed),
        });
        return path;
    }
}

public class GenerationApiTests : IClassFixture<GenerationApiTests.Factory>
{
    /// <summary>An app with two small checkpoints (one "shipped") and a corrupt file.</summary>
    public sealed class Factory : IAsyncLifetime
    {
        public DashboardFactory App { get; } = new();

        public Task InitializeAsync()
        {
            TestCheckpoints.Write(App.CheckpointFolder, "small-adam", seed: 1);
            TestCheckpoints.Write(App.ShippedCheckpointFolder, "small-sgd", seed: 2, optimizer: "sgd");
            File.WriteAllBytes(Path.Combine(App.CheckpointFolder, "broken.ckpt"), [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))]);
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly HttpClient _client;

    public GenerationApiTests(Factory factory) => _client = factory.App.CreateClient();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(object body)
    {
        var response = await _client.PostAsJsonAsync("/api/generate", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Errors(JsonElement body, string field) =>
        string.Join(" ", body.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));

    [Fact]
    public async Task GeneratesSeededTextThatRepeats()
    {
        var request = new { checkpoint = "small-adam", prompt = "the ", maxNewCharacters = 40, samples = 2, seed = 11, temperature = 0.8, topK = 10, topP = 0.9 };
        var (status, body) = await PostAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(11, body.GetProperty("seed").GetInt32());
        var column = Assert.Single(body.GetProperty("checkpoints").EnumerateArray());
        Assert.Equal("small-adam", column.GetProperty("checkpoint").GetString());
        var samples = column.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(2, samples.Length);
        Assert.All(samples, s =>
        {
            Assert.Equal("the ", s.GetProperty("prompt").GetString());
            Assert.Equal(40, s.GetProperty("text").GetString()!.Length);
            Assert.Equal("length", s.GetProperty("finish").GetString());
            Assert.All(s.GetProperty("text").GetString()!, c => Assert.Contains(c, TestCheckpoints.Vocabulary));
        });
        Assert.Equal(80, body.GetProperty("characters").GetInt32());
        Assert.True(body.GetProperty("charactersPerSecond").GetDouble() > 0);
        Assert.True(body.GetProperty("firstCharacterMs").GetDouble() > 0);

        var (_, again) = await PostAsync(request);
        Assert.Equal(Texts(body), Texts(again));
        var (_, other) = await PostAsync(request with { seed = 12 });
        Assert.NotEqual(Texts(body), Texts(other));
    }

    [Fact]
    public async Task SideBySideUsesTheSameSeedOnEachCheckpointAndTopCandidatesOnRequest()
    {
        var (status, body) = await PostAsync(new { checkpoints = new[] { "small-adam", "small-sgd" }, maxNewCharacters = 12, seed = 3, topCandidates = 5, stopAtEndOfLine = true });
        Assert.Equal(HttpStatusCode.OK, status);
        var columns = body.GetProperty("checkpoints").EnumerateArray().ToArray();
        Assert.Equal(["small-adam", "small-sgd"], columns.Select(c => c.GetProperty("checkpoint").GetString()));
        // Alone, the shipped checkpoint says exactly what it said side by side.
        var (_, alone) = await PostAsync(new { checkpoint = "small-sgd", maxNewCharacters = 12, seed = 3, topCandidates = 5, stopAtEndOfLine = true });
        Assert.Equal(Texts(alone), columns[1].GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("text").GetString()));
        var sample = columns[0].GetProperty("samples")[0];
        var characters = sample.GetProperty("characters").EnumerateArray().ToArray();
        Assert.Equal(sample.GetProperty("text").GetString()!.Length, characters.Length);
        Assert.DoesNotContain('\n', sample.GetProperty("text").GetString()!);
        foreach (var c in characters)
        {
            var top = c.GetProperty("top").EnumerateArray().ToArray();
            Assert.Equal(5, top.Length);
            Assert.True(top[0].GetProperty("probability").GetDouble() >= top[4].GetProperty("probability").GetDouble());
        }
    }

    [Fact]
    public async Task UnknownAndCorruptCheckpointsAreRefusedClearly()
    {
        var (status, body) = await PostAsync(new { checkpoint = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("There is no checkpoint 'nope'", body.GetProperty("detail").GetString());

        (status, body) = await PostAsync(new { checkpoint = "broken" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'broken.ckpt' is not a Polyak Dashboard checkpoint", Errors(body, "checkpoint"));

        (status, body) = await PostAsync(new { checkpoint = "../etc/passwd" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not a checkpoint name", Errors(body, "checkpoint"));

        (status, body) = await PostAsync(new { prompt = "a" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Choose a checkpoint", Errors(body, "checkpoint"));

        (status, body) = await PostAsync(new { checkpoints = new[] { "small-adam", "small-sgd", "small-adam", "small-sgd" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("At most 3 checkpoints side by side; got 4", Errors(body, "checkpoints"));
    }

    [Fact]
    public async Task BadSettingsGet400NamingEachField()
    {
        var (status, body) = await PostAsync(new { checkpoint = "small-adam", temperature = 0, topK = 0, topP = 1.5, samples = 100, maxNewCharacters = 100_000 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("above 0; got 0", Errors(body, "temperature"));
        Assert.Contains("got 0", Errors(body, "topK"));
        Assert.Contains("(0, 1]; got 1.5", Errors(body, "topP"));
        Assert.Contains("between 1 and 8; got 100", Errors(body, "samples"));
        Assert.Contains("between 1 and 2,000; got 100,000", Errors(body, "maxNewCharacters"));

        (status, body) = await PostAsync(new { checkpoint = "small-adam", temperature = "NaN" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("got NaN", Errors(body, "temperature"));

        (status, body) = await PostAsync(new { checkpoint = "small-adam", prompt = "Hello, World!" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("does not know: 'H' ',' 'W' '!'", Errors(body, "prompt"));

        (status, body) = await PostAsync(new { checkpoint = "small-adam", topK = 29 });   // the vocabulary has 28
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("vocabulary size 28; got 29", Errors(body, "topK"));

        (status, body) = await PostAsync(new { checkpoint = "small-adam", prompt = new string('a', 2001) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("the limit is 2,000", Errors(body, "prompt"));

        (status, body) = await PostAsync(new { checkpoint = "small-adam", temprature = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("temprature", body.GetRawText());
    }

    private static string?[] Texts(JsonElement body) =>
        [.. body.GetProperty("checkpoints").EnumerateArray().SelectMany(c => c.GetProperty("samples").EnumerateArray()).Select(s => s.GetProperty("text").GetString())];
}

/// <summary>The generation service's line: a bounded number run, a bounded number wait (and know their place), the rest
/// are refused; cancelling frees the slot.</summary>
public class GenerationQueueTests
{
    private sealed class Observer : IGenerationObserver
    {
        public List<int> Places { get; } = [];
        public int Characters;
        public TaskCompletionSource FirstCharacter { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void OnQueued(int ahead) { lock (Places) Places.Add(ahead); }
        public void OnCharacter(int column, SampledCharacter character)
        {
            Interlocked.Increment(ref Characters);
            FirstCharacter.TrySetResult();
        }
    }

    [Fact]
    public async Task OneRunsOneWaitsTheNextIsRefusedAndStopFreesTheSlot()
    {
        await using var app = new DashboardFactory
        {
            Settings = new Dictionary<string, string> { ["ChildSpeech:MaxConcurrentGenerations"] = "1", ["ChildSpeech:MaxQueuedGenerations"] = "1" },
        };
        TestCheckpoints.Write(app.CheckpointFolder, "small");
        var service = app.Services.GetRequiredService<GenerationService>();
        var long_ = new SamplingSettings { MaxNewCharacters = 2000, Samples = 8 };

        using var stopFirst = new CancellationTokenSource();
        var firstObserver = new Observer();
        var first = service.GenerateAsync(["small"], long_, firstObserver, stopFirst.Token);
        await firstObserver.FirstCharacter.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var stopSecond = new CancellationTokenSource();
        var secondObserver = new Observer();
        var second = service.GenerateAsync(["small"], long_ with { MaxNewCharacters = 5, Samples = 1 }, secondObserver, stopSecond.Token);
        await WaitUntilAsync(() => service.Waiting == 1);
        Assert.Equal([0], secondObserver.Places);                   // first in line
        Assert.Equal(0, secondObserver.Characters);

        var refused = await Assert.ThrowsAsync<GenerationException>(() => service.GenerateAsync(["small"], long_));
        Assert.Equal(GenerationRefusal.Busy, refused.Refusal);
        Assert.Contains("busy", refused.Message);

        stopFirst.Cancel();                                         // Stop: the first ends within a character, the second starts
        var stopped = await first.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(stopped.Stopped);
        Assert.Equal(FinishReason.Cancelled, stopped.Checkpoints[0].Samples[^1].Finish);
        Assert.True(stopped.Characters < 8 * 2000);
        var done = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(5, done.Checkpoints[0].Samples[0].Text.Length);
        Assert.Equal(0, service.Running);

        // Leaving the line while waiting frees the place too.
        var blocker = new CancellationTokenSource();
        var blockerObserver = new Observer();
        var running = service.GenerateAsync(["small"], long_, blockerObserver, blocker.Token);
        await blockerObserver.FirstCharacter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var leave = new CancellationTokenSource();
        var waiting = service.GenerateAsync(["small"], long_, null, leave.Token);
        await WaitUntilAsync(() => service.Waiting == 1);
        leave.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, service.Waiting);
        blocker.Cancel();
        await running;
        Assert.Equal(0, service.Running);
    }

    [Fact]
    public async Task ALoadedCheckpointIsSharedAndANewUploadReplacesIt()
    {
        await using var app = new DashboardFactory();
        TestCheckpoints.Write(app.CheckpointFolder, "small", seed: 1);
        var cache = app.Services.GetRequiredService<CheckpointCache>();
        using (var a = cache.Acquire("small"))
        using (var b = cache.Acquire("small"))
            Assert.Same(a.Checkpoint, b.Checkpoint);
        using var before = cache.Acquire("small");
        File.SetLastWriteTimeUtc(TestCheckpoints.Write(app.CheckpointFolder, "small", seed: 2), DateTime.UtcNow.AddMinutes(1));
        using var after = cache.Acquire("small");
        Assert.NotSame(before.Checkpoint, after.Checkpoint);
        Assert.Equal(2.2, after.Checkpoint.Metadata.ValLoss, 9);
        // The old one is still usable by whoever holds it.
        Assert.NotEmpty(new TextSampler(before.Checkpoint).Generate(new SamplingSettings { MaxNewCharacters = 3 })[0].Text);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(10);
        }
    }
}
