namespace PolyakCore.Text;

/// <summary>A measured reference for a corpus without a known generator: the validation loss of character n-gram models
/// (interpolated Kneser–Ney, <see cref="KneserNey"/>) for n = 1…5, trained on the same 90 % and scored on the same 10 %
/// as the GPT (nats per character).</summary>
/// <param name="Losses">Validation loss per n, n = 1 first.</param>
/// <param name="TrainCharacters">Characters the models were counted on.</param>
public sealed record NGramReference(IReadOnlyList<NGramLoss> Losses, int TrainCharacters, double Seconds)
{
    public const int MaxN = 5;
    public const string Smoothing = "interpolated Kneser–Ney (discounts n₁/(n₁+2n₂) per order)";

    /// <summary>The lowest loss over n, and its n.</summary>
    public NGramLoss Best => Losses.MinBy(l => l.ValLoss)!;

    /// <summary>Counts the corpus's training text once and scores its validation text for every n.</summary>
    public static NGramReference Of(TextCorpus corpus, int maxN = MaxN)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tokenizer = corpus.Tokenizer;
        int[] Ids(string text) => [.. tokenizer.Encode(text).Select(id => (int)id)];
        var model = KneserNey.Train(Ids(corpus.Train), tokenizer.Size, maxN);
        var validation = Ids(corpus.Validation);
        var losses = Enumerable.Range(1, maxN).Select(n => new NGramLoss(n, model.CrossEntropy(validation, n))).ToArray();
        return new NGramReference(losses, corpus.Train.Length, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>The validation loss of the n-gram model of order <see cref="N"/> (n − 1 characters of context).</summary>
public sealed record NGramLoss(int N, double ValLoss);
