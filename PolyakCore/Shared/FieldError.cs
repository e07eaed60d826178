namespace PolyakCore.Shared;

/// <summary>A bad input, named by its JSON path (e.g. "optimizerOptions.lr"), with a message for the user: requests,
/// sampling settings and the demos all report through it, so pages show it under the field and the API names it.</summary>
public sealed record FieldError(string Field, string Message);
