namespace PolyakCore.Tests;
public class SmokeTests { [Fact] public void TorchLoads() => Assert.Equal(3.0, PolyakCore.Smoke.Run()); }
