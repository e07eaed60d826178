namespace PolyakCore.Text;

/// <summary>A measured reference for a corpus without a known generator: the validation loss of character n-gram models
/// (interpolated Kneser–Ney, <see cref="KneserNey"/>) for n = 1…5, trained on the same 90 % and scored on the same 10 %
/// as the GPT (nats per character).</summary>
/// <param name="Losses">Validation loss per n, n = 1 first.</param>
/// <param name="TrainCharacters">Characters the models were counted on (the training split, or its first
/// <see cref="MaxTrainCharacters"/>).</param>
/// <param name="ValidationCharacters">Characters scored (the validation split, or its first <see cref="MaxValidationCharacters"/>).</param>
public sealed record NGramReference(IReadOnlyList<NGramLoss> Losses, int TrainCharacters, int ValidationCharacters, double Seconds)
{
    public const int MaxN = 5;
    /// <summary>Bounds on the text counted and scored: an upload is hostile until proven otherwise, and 5-gram tables of
    /// a 20 MB text of random characters would take gigabytes (at these bounds: about 0.5 GB and 15 s of one core at worst,
    /// measured on 900 random CJK characters). Speech corpora are below them (the course's is 250k characters).</summary>
    public const int MaxTrainCharacters = 1_000_000, MaxValidationCharacters = 100_000;
    public const string Smoothing = "interpolated Kneser–Ney (discounts n₁/(n₁+2n₂) per order)";

    /// <summary>The lowest loss over n, and its n.</summary>
    public NGramLoss Best => Losses.MinBy(l => l.ValLoss)!;

    /// <summary>Counts the corpus's training text once and scores its validation text for every n.</summary>
    public static NGramReference Of(TextCorpus corpus, int maxN = MaxN)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tokenizer = corpus.Tokenizer;
        int[] Ids(string text) => [.. tokenizer.Encode(text).Select(id => (int)id)];
        string train = corpus.Train.Length > MaxTrainCharacters ? corpus.Train[..MaxTrainCharacters] : corpus.Train;
        string scored = corpus.Validation.Length > MaxValidationCharacters ? corpus.Validation[..MaxValidationCharacters] : corpus.Validation;
        var model = KneserNey.Train(Ids(train), tokenizer.Size, maxN);
        var validation = Ids(scored);
        var losses = Enumerable.Range(1, maxN).Select(n => new NGramLoss(n, model.CrossEntropy(validation, n))).ToArray();
        return new NGramReference(losses, train.Length, scored.Length, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>The validation loss of the n-gram model of order <see cref="N"/> (n − 1 characters of context).</summary>
public sealed record NGramLoss(int N, double ValLoss);
