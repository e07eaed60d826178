using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace PolyakDashboard.Components.Shared;

/// <summary>
/// A number field for <c>double</c> or <c>double?</c> settings: a <see cref="MudTextField{T}"/> over the text the user
/// typed, parsed here (invariant culture). Replaces MudNumericField for doubles because MudNumericField&lt;double&gt;
/// clamps every value to its Min/Max (default double.MinValue/MaxValue) with a comparer under which NaN sorts below
/// everything: "NaN" became -1.7976931348623157E+308 and "1e999" (+∞) became +1.79…E+308, which the page then validated,
/// echoed ("got -1.79…E+308") and wrote into URLs as if the user had typed it.
/// <para>Here the text stays what the user typed. Text that is not a finite number (NaN, "abc", 1e999, or empty for a
/// non-nullable field) shows "Label: not a number (text)" under the field and reports <see cref="double.NaN"/> to the
/// page, so the page's own validation also refuses it and nothing runs with a stale or clamped value. Otherwise the
/// field shows the page's message for it (<see cref="ErrorText"/>), kept through MudBlazor's own validation passes by
/// <see cref="PageError"/>.</para>
/// </summary>
public sealed partial class NumberField<T> : ComponentBase
{
    private static readonly bool Nullable = typeof(T) == typeof(double?);
    private readonly PageError _validation;
    private string? _text;
    private string? _parseError;
    private T? _reported;
    private bool _hasReported;

    public NumberField()
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(double?))
            throw new NotSupportedException($"NumberField is for double and double?, not {typeof(T)}.");
        // An outline without a message (Error alone) is an empty message: MudBlazor's own validation pass would otherwise
        // clear it (the second coordinate of a bad start showed no red at all).
        _validation = new PageError(() => Message ?? (Error ? "" : null));
    }

    [Parameter] public T? Value { get; set; }
    [Parameter] public EventCallback<T?> ValueChanged { get; set; }
    [Parameter] public string? Label { get; set; }
    [Parameter] public string? HelperText { get; set; }
    /// <summary>The page's message for this field; shown unless the text itself is not a number.</summary>
    [Parameter] public string? ErrorText { get; set; }
    /// <summary>Red outline even without a message of its own (e.g. the second coordinate of a bad start).</summary>
    [Parameter] public bool Error { get; set; }
    [Parameter] public Variant Variant { get; set; } = Variant.Outlined;
    [Parameter] public Margin Margin { get; set; } = Margin.Dense;
    /// <summary>How the value is shown (e.g. "G3"); invariant culture.</summary>
    [Parameter] public string? Format { get; set; }
    /// <summary>Added or subtracted by the arrow keys.</summary>
    [Parameter] public double Step { get; set; } = 1;
    [Parameter] public bool Clearable { get; set; }
    [Parameter] public bool Disabled { get; set; }
    [Parameter] public string? Placeholder { get; set; }
    [Parameter] public string? Class { get; set; }
    [Parameter] public string? Style { get; set; }
    [Parameter(CaptureUnmatchedValues = true)] public Dictionary<string, object?> Attributes { get; set; } = [];

    /// <summary>What the field shows under it: its own parse message first, else the page's.</summary>
    public string? Message => _parseError ?? ErrorText;

    protected override void OnParametersSet()
    {
        // A value from outside (first render, Defaults, the URL, another control): show it. The value this field
        // reported itself (NaN for "abc") coming back keeps the user's text and message.
        if (_hasReported && EqualityComparer<T?>.Default.Equals(Value, _reported)) return;
        _hasReported = true;
        _reported = Value;
        _text = Show(Value);
        _parseError = null;
    }

    private string Show(T? value) => value is double v ? v.ToString(Format ?? "R", CultureInfo.InvariantCulture) : "";

    /// <summary>The value of <paramref name="text"/>, or NaN and a message naming the field when it is not a finite number.</summary>
    public static (T? Value, string? Error) Parse(string? text, string? label)
    {
        string name = string.IsNullOrWhiteSpace(label) ? "Value" : label;
        string trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
            return Nullable ? (default, null) : (Wrap(double.NaN), $"{name}: enter a number.");
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
            return (Wrap(v), null);
        return (Wrap(double.NaN), $"{name}: not a number ({trimmed}).");
    }

    private static T Wrap(double value) => (T)(object)value;

    private Task HandleTextChangedAsync(string? text)
    {
        _text = text;
        (T? value, _parseError) = Parse(text, Label);
        return Report(value);
    }

    private Task Report(T? value)
    {
        _hasReported = true;
        _reported = value;
        return ValueChanged.InvokeAsync(value);
    }

    // The arrow keys step a valid value, as MudNumericField's did.
    private Task HandleKeyDownAsync(KeyboardEventArgs e)
    {
        int direction = e.Key switch { "ArrowUp" => 1, "ArrowDown" => -1, _ => 0 };
        if (direction == 0 || Disabled || _parseError is not null || Value is not double v) return Task.CompletedTask;
        double next = Math.Round(v + direction * Step, 12);
        _text = Show(Wrap(next));
        return Report(Wrap(next));
    }
}
