using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Downhill.Kernels;

/// <summary>
/// The instruction set a matrix product runs on. Every path computes each output element as the same sequential
/// chain of fused multiply-adds, so all of them give the same bits; only their speed differs.
/// </summary>
internal enum KernelPath
{
    /// <summary>The widest path the hardware accelerates (<see cref="KernelPaths.Best"/>).</summary>
    Auto,

    /// <summary><see cref="Math.FusedMultiplyAdd(double, double, double)"/> one element at a time.</summary>
    Scalar,

    /// <summary>128-bit vectors.</summary>
    Vector128,

    /// <summary>256-bit vectors.</summary>
    Vector256,

    /// <summary>512-bit vectors.</summary>
    Vector512,
}

/// <summary>Chooses among the <see cref="KernelPath"/>s.</summary>
internal static class KernelPaths
{
    /// <summary>
    /// The widest vector path with hardware fused multiply-add (a vector FMA without it would fall back to a
    /// software FMA per element: exact, but slower than the scalar path).
    /// </summary>
    public static readonly KernelPath Best = Choose();

    /// <summary><paramref name="path"/>, with <see cref="KernelPath.Auto"/> resolved to <see cref="Best"/>.</summary>
    public static KernelPath Resolve(KernelPath path) => path == KernelPath.Auto ? Best : path;

    /// <summary>The register tile's column count (elements of <typeparamref name="T"/>): two vectors of the path.</summary>
    public static int TileColumns<T>(KernelPath path)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return path switch
        {
            KernelPath.Vector512 => 2 * 64 / size,
            KernelPath.Vector256 => 2 * 32 / size,
            KernelPath.Vector128 => 2 * 16 / size,
            _ => 4,
        };
    }

    private static KernelPath Choose()
    {
        bool fma = Fma.IsSupported || AdvSimd.IsSupported;
        if (!fma)
        {
            return KernelPath.Scalar;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            return KernelPath.Vector512;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return KernelPath.Vector256;
        }

        return Vector128.IsHardwareAccelerated ? KernelPath.Vector128 : KernelPath.Scalar;
    }
}
