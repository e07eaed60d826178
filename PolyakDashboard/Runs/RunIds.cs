using System.Text;
using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>Readable, file-safe run ids.</summary>
public static class RunIds
{
    /// <summary>From the label when there is one, else from problem, optimizer, batch and seed.</summary>
    public static string ForRequest(RunRequest r) =>
        Slug(r.Label ?? $"{r.Problem}-{r.Optimizer}-b{r.BatchSize}-seed{r.Seed}");

    public static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-');
        var slug = builder.ToString().Trim('-', '.');
        while (slug.Contains("--")) slug = slug.Replace("--", "-");
        return slug.Length == 0 ? "run" : slug[..Math.Min(slug.Length, 80)];
    }
}
