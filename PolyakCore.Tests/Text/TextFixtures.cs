using PolyakCore.Text;

namespace PolyakCore.Tests.Text;

/// <summary>Small models and corpora that train in a second.</summary>
internal static class TextFixtures
{
    public static GptConfig SmallConfig(int vocab = 12, int block = 16, double dropout = 0) => new(vocab, 32, 4, 2, block, dropout);

    public static CharGpt SmallModel(int vocab = 12, int block = 16, int seed = 1) => new(SmallConfig(vocab, block), seed);

    /// <summary>A temporary folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("polyak-text-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
