using PolyakCore.Shared;

namespace PolyakCore.Text;

/// <summary>How to sample text from a character model. Same settings + same seed + same checkpoint = same text.</summary>
/// <remarks>The logits are divided by <see cref="Temperature"/>, then top-k keeps the k likeliest characters and top-p
/// (nucleus) the smallest set of them whose probability adds up to at least p; the character is drawn from what is left.
/// Holtzman et al., "The Curious Case of Neural Text Degeneration", ICLR 2020, arXiv:1904.09751 (top-p).</remarks>
public sealed record SamplingSettings
{
    /// <summary>Text to continue. The context always starts at the beginning of a line, so an empty prompt conditions on "\n".</summary>
    public string Prompt { get; init; } = "";

    /// <summary>Divides the logits: below 1 sharper, above 1 flatter. Default 1.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k likeliest characters; null = all.</summary>
    public int? TopK { get; init; }

    /// <summary>Keep the smallest set of likeliest characters with probability ≥ p, in (0, 1]; null or 1 = all.</summary>
    public double? TopP { get; init; }

    /// <summary>Characters to generate per sample (not counting the prompt). Default 200.</summary>
    public int MaxNewCharacters { get; init; } = 200;

    /// <summary>Independent samples, one after another. Default 1.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Seeds the draws: sample i draws from its own <see cref="Random"/>, seeded from (Seed, i).</summary>
    public int Seed { get; init; }

    /// <summary>Stop a sample at its first end of line (the "\n" is not part of the text).</summary>
    public bool StopAtEndOfLine { get; init; }

    /// <summary>How many likeliest next characters to report at each position (0 = none, the page shows 5).</summary>
    public int TopCandidates { get; init; }

    /// <summary>Reuse keys and values of earlier characters (fast); false recomputes the whole context at every step.</summary>
    public bool UseCache { get; init; } = true;
}

/// <summary>Server limits on sampling (configurable).</summary>
public sealed record SamplingLimits(int MaxNewCharacters = 2000, int MaxSamples = 8, int MaxPromptLength = 2000, int MaxTopCandidates = 10);

/// <summary>Settings that cannot be used, every problem listed.</summary>
public sealed class SamplingException(IReadOnlyList<FieldError> errors)
    : ArgumentException(string.Join(" ", errors.Select(e => e.Message)))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>Every check of <see cref="SamplingSettings"/>, in one place: the API, the page and the sampler ask here.</summary>
public static class SamplingValidation
{
    /// <summary>The problems of <paramref name="s"/>; with a <paramref name="tokenizer"/> also those that depend on the
    /// model's vocabulary (prompt characters, top-k beyond the vocabulary, no end of line to start from).</summary>
    public static IReadOnlyList<FieldError> Validate(SamplingSettings s, SamplingLimits limits, CharTokenizer? tokenizer = null)
    {
        var errors = new List<FieldError>();
        void Error(string field, string message) => errors.Add(new(field, message));

        if (!double.IsFinite(s.Temperature) || s.Temperature <= 0)
            Error("temperature", $"Temperature must be a number above 0; got {Show(s.Temperature)}.");
        if (s.TopK is { } k && (k < 1 || (tokenizer is not null && k > tokenizer.Size)))
            Error("topK", tokenizer is null
                ? $"Top-k must be at least 1; got {k}."
                : $"Top-k must be between 1 and the vocabulary size {tokenizer.Size}; got {k}.");
        if (s.TopP is { } p && !(p > 0 && p <= 1))
            Error("topP", $"Top-p must be in (0, 1]; got {Show(p)}.");
        if (s.MaxNewCharacters < 1 || s.MaxNewCharacters > limits.MaxNewCharacters)
            Error("maxNewCharacters", $"Max new characters must be between 1 and {limits.MaxNewCharacters:N0}; got {s.MaxNewCharacters:N0}.");
        if (s.Samples < 1 || s.Samples > limits.MaxSamples)
            Error("samples", $"Samples must be between 1 and {limits.MaxSamples}; got {s.Samples}.");
        if (s.TopCandidates < 0 || s.TopCandidates > limits.MaxTopCandidates)
            Error("topCandidates", $"Top candidates must be between 0 and {limits.MaxTopCandidates}; got {s.TopCandidates}.");
        if (s.Prompt is null)
            Error("prompt", "The prompt is missing (use \"\" to start a new line).");
        else if (s.Prompt.Length > limits.MaxPromptLength)
            Error("prompt", $"The prompt is {s.Prompt.Length:N0} characters; the limit is {limits.MaxPromptLength:N0}.");
        else if (tokenizer is not null)
        {
            var unknown = tokenizer.Unknown(s.Prompt);
            if (unknown.Count > 0)
                Error("prompt", $"The prompt has characters this model does not know: {CharTokenizer.Describe(unknown)}. " +
                    $"It knows: {CharTokenizer.Describe(tokenizer.Vocabulary)}.");
            else if (s.Prompt.Length == 0 && !tokenizer.Knows('\n'))
                Error("prompt", "This model has no end of line to start from: give it a prompt.");
        }
        return errors;
    }

    private static string Show(double v) => double.IsPositiveInfinity(v) ? "∞" : double.IsNegativeInfinity(v) ? "−∞"
        : v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Throws <see cref="SamplingException"/> listing every problem.</summary>
    public static void EnsureValid(SamplingSettings s, SamplingLimits limits, CharTokenizer? tokenizer = null)
    {
        var errors = Validate(s, limits, tokenizer);
        if (errors.Count > 0) throw new SamplingException(errors);
    }
}
