using PolyakCore.Problems;

namespace PolyakCore.Tests.Problems;

public class SubtractiveRandomTests
{
    public static TheoryData<int> Seeds => [0, 1, 2, 17, -5, 1_000_003, 123_456_789, int.MaxValue, int.MinValue, int.MinValue + 1];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void DrawsSystemRandomsNumbersForTheSeed(int seed)
    {
        var expected = new Random(seed);
        var actual = new SubtractiveRandom(seed);
        for (int i = 0; i < 10_000; i++) Assert.Equal(expected.NextDouble(), actual.NextDouble());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ShufflesAsSystemRandomDoes(int seed)
    {
        var expected = new Random(seed);
        var actual = new SubtractiveRandom(seed);
        foreach (int n in new[] { 0, 1, 2, 3, 16, 1000, 1000, 4097 })
        {
            int[] a = [.. Enumerable.Range(0, n)], b = [.. Enumerable.Range(0, n)];
            expected.Shuffle(a);
            actual.Shuffle(b);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void TheSeededStreamsKeepTheirNumbers()
    {
        // Every data draw and mini-batch order of every stored run came from these: they must not move.
        var random = SeededRandom.Stream(0, 2);
        int[] order = [.. Enumerable.Range(0, 10)];
        random.Shuffle(order);
        var system = new Random(unchecked(0 * 1_000_003 + 2 * 7919 + 17));
        int[] expected = [.. Enumerable.Range(0, 10)];
        system.Shuffle(expected);
        Assert.Equal(expected, order);
        Assert.Equal(new Random(17).NextDouble() * 2 - 1, SeededRandom.Stream(0, 0).Uniform(-1, 1));
    }
}
