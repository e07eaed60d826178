using System.ComponentModel.DataAnnotations;
using MudBlazor;

namespace PolyakDashboard.Components.Shared;

/// <summary>
/// A form field's <c>Validation</c> that reports the page's current message for that field (none = valid), so the
/// field shows its own error under it. Error/ErrorText alone do not hold in MudBlazor 9: a field validates itself on
/// every change and blur, MudNumericField always has a validation of its own (its Min/Max clamp, which this
/// replaces; our fields set no Min/Max), and each pass wrote "no error" over the parameters. Those are parameter
/// state and only re-apply when the page's value changes, so a message vanished (or never showed on pages that
/// recompute as you type) and stayed away. An attribute rather than a Func&lt;T, string?&gt;: MudBlazor matches a
/// Func by the field's exact T and ignores one that does not match, silently.
/// </summary>
public sealed class PageError(Func<string?> message) : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        message() is { } text ? new ValidationResult(text) : ValidationResult.Success;
}

/// <summary>
/// Re-validates a form's fields when the page's error list changes (Run, or a change to another field): a field
/// keeps the verdict of its last own validation until it validates again. Call from OnAfterRenderAsync.
/// </summary>
public sealed class PageErrorSync
{
    private object? _validated;

    public Task UpdateAsync(MudForm? form, object errors)
    {
        if (form is null || ReferenceEquals(errors, _validated)) return Task.CompletedTask;
        _validated = errors;
        return form.ValidateAsync();
    }
}
