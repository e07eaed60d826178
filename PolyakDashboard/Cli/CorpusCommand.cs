using System.CommandLine;
using System.Globalization;
using PolyakCore.Text;

namespace PolyakDashboard.Cli;

/// <summary><c>corpus</c>: describes a corpus as the 1d page does. The built-in one (with the generator settings given)
/// gets its exact entropy floor; a file gets the n-gram reference (interpolated Kneser–Ney, n = 1…5) on the GPT's split.
/// Either way the n-gram losses are printed, and <c>--write</c> saves the generated text.</summary>
public static class CorpusCommand
{
    public const string Name = "corpus";

    public static Command Create(TextWriter output, TextWriter errors)
    {
        var file = new Option<FileInfo?>("--file") { Description = "A UTF-8 text file, one utterance per line (default: the built-in child-speech corpus)." };
        var zipf = new Option<double?>("--zipf") { Description = "Built-in corpus: Zipf exponent of the phrase frequencies (0 = uniform, the default)." };
        var perLine = new Option<double[]>("--per-line") { Description = "Built-in corpus: relative frequencies of lines of 1, 2, 3, 4 phrases (default 0 1: always two).", AllowMultipleArgumentsPerToken = true };
        var phrases = new Option<FileInfo?>("--phrases") { Description = "Built-in corpus: a file with one phrase per line, most frequent first (default: the built-in list)." };
        var seed = new Option<int>("--seed") { Description = "Built-in corpus: the data seed.", DefaultValueFactory = _ => 0 };
        var write = new Option<FileInfo?>("--write") { Description = "Write the corpus text to this file." };
        var command = new Command(Name, "Print a corpus's entropy floor (built-in) or n-gram reference (any file), in nats per character.") { file, zipf, perLine, phrases, seed, write };
        command.SetAction(parse =>
        {
            try
            {
                TextCorpus corpus;
                if (parse.GetValue(file) is { } path)
                {
                    if (parse.GetValue(zipf) is not null || parse.GetValue(perLine) is { Length: > 0 } || parse.GetValue(phrases) is not null)
                    { errors.WriteLine("--zipf, --per-line and --phrases shape the built-in corpus; a file is used as it is."); return 2; }
                    corpus = TextCorpus.FromFile(path.FullName);
                }
                else
                {
                    var generator = new ChildSpeechGenerator
                    {
                        Zipf = parse.GetValue(zipf) ?? 0,
                        PhrasesPerLine = parse.GetValue(perLine) is { Length: > 0 } weights ? weights : null,
                        Phrases = parse.GetValue(phrases) is { } list ? [.. File.ReadAllLines(list.FullName).Select(l => l.Trim()).Where(l => l.Length > 0)] : null,
                    };
                    if (generator.Problems() is { Count: > 0 } problems)
                    {
                        foreach (var (field, message) in problems) errors.WriteLine($"{field}: {message}");
                        return 2;
                    }
                    corpus = TextCorpus.ChildSpeech(parse.GetValue(seed), generator: generator);
                }
                output.WriteLine($"{corpus.Name}: {corpus.Description}; {corpus.Text.Length:N0} characters, {corpus.Tokenizer.Size} distinct");
                if (corpus.EntropyFloor is { } floor) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"entropy floor (exact): {floor:F4} nats/char"));
                var reference = NGramReference.Of(corpus);
                foreach (var loss in reference.Losses)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{loss.N}-gram validation loss: {loss.ValLoss:F4} nats/char"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({NGramReference.Smoothing}; counted in {reference.Seconds:F2} s)"));
                if (parse.GetValue(write) is { } target) File.WriteAllText(target.FullName, corpus.Text);
                return 0;
            }
            catch (Exception e) when (e is CorpusException or IOException or UnauthorizedAccessException)
            {
                errors.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }
}
