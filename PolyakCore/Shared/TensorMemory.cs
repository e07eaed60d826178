using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Shared;

/// <summary>A contiguous float64 CPU tensor's memory as a span, read and written in place (TorchSharp's TensorAccessor
/// walks an iterator per element). The span is valid while the tensor lives and is not resized.</summary>
internal static class TensorMemory
{
    public static Span<double> Doubles(Tensor values) => MemoryMarshal.Cast<byte, double>(values.bytes);

    /// <summary>True when <see cref="Doubles"/> can read the tensor: float64, on the CPU, contiguous.</summary>
    public static bool IsReadable(Tensor values) =>
        values.dtype == ScalarType.Float64 && values.device_type == DeviceType.CPU && values.is_contiguous();
}
