namespace PolyakCore;
public static class Smoke { public static double Run() { using var t = TorchSharp.torch.ones(3); return t.sum().item<float>(); } }
