using System.ComponentModel;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace TileDsl;

/// <summary>
/// What generated kernels call around a Dot on tensor cores: on CUDA, the shared-memory address that <c>ldmatrix</c>
/// reads from; on the CPU accelerator, <c>ldmatrix.x4</c> and <c>mma.sync.aligned.m16n8k16.row.col</c> emulated
/// with the hardware's data placement (PTX ISA, "Matrix fragments for mma.m16n8k16"), so that the CPU runs the same
/// addresses, the same fragments and the same exchange between lanes as the GPU, and a placement mistake fails there.
/// Fragments hold their 16-bit values as floats (exactly); the sums are in float, in the order of k.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TileMma
{
    /// <summary>
    /// The <c>.shared</c> address of the kernel's dynamic shared memory, where its arenas lie (0 off CUDA). On CUDA it
    /// also declares the PTX registers of the tensor-core Dots (<c>tdC</c>, <c>tdA</c>, <c>tdB</c>, numbered from 0,
    /// 2048 accumulators and 512 of each fragment, as the generator knows; those no Dot names cost nothing): here, the kernel's first statements, they come before every use in the PTX text, as PTX wants.
    /// </summary>
    public static uint SharedAddress()
    {
        if (!CudaAsm.IsSupported) return 0;
        CudaAsm.Emit(".reg .f32 tdC<2048>; .reg .b32 tdA<512>, tdB<512>;");
        CudaAsm.Emit("{ .reg .u64 t; mov.u64 t, __dyn_shared_alloca; cvt.u32.u64 %0, t; }", out uint address);
        return address;
    }

    /// <summary>
    /// <c>ldmatrix.sync.aligned.m8n8.x4.b16</c>: lane 8j + i gives, in <paramref name="row"/>, the arena index of row
    /// i of matrix j; every lane g·4 + t receives, of each matrix j, row g's elements 2t and 2t + 1 (register j), or
    /// with <paramref name="trans"/> (<c>.trans</c>) column g's elements in rows 2t and 2t + 1.
    /// </summary>
    public static MmaFragment LoadMatrix(ArrayView<ushort> arena, int row, bool trans, bool bfloat16)
    {
        int lane = Warp.LaneIdx, g = lane >> 2, t = lane & 3;
        // Matrix j's two elements: of row g, columns 2t and 2t + 1; or, transposed, of rows 2t and 2t + 1, column g.
        int first = trans ? 2 * t : g, second = trans ? 1 : 0, column = trans ? g : 2 * t, step = trans ? 0 : 1;
        int at0 = Warp.Shuffle(row, first) + column, next0 = Warp.Shuffle(row, first + second) + column + step;
        int at1 = Warp.Shuffle(row, 8 + first) + column, next1 = Warp.Shuffle(row, 8 + first + second) + column + step;
        int at2 = Warp.Shuffle(row, 16 + first) + column, next2 = Warp.Shuffle(row, 16 + first + second) + column + step;
        int at3 = Warp.Shuffle(row, 24 + first) + column, next3 = Warp.Shuffle(row, 24 + first + second) + column + step;
        return new MmaFragment(
            Value(arena[at0], bfloat16), Value(arena[next0], bfloat16),
            Value(arena[at1], bfloat16), Value(arena[next1], bfloat16),
            Value(arena[at2], bfloat16), Value(arena[next2], bfloat16),
            Value(arena[at3], bfloat16), Value(arena[next3], bfloat16));
    }

    /// <summary>
    /// <c>mma.sync.aligned.m16n8k16.row.col</c>, D = A·B + C, on one warp. Lane g·4 + t holds C and D at rows g and
    /// g + 8, columns 2t and 2t + 1 (X, Y at row g; Z, W at row g + 8); A's registers 0–3 (from <see cref="LoadMatrix"/>)
    /// are rows g, g + 8, g, g + 8 at k = 2t, 2t + 1 (+ 8 for registers 2 and 3); B's registers are 2·<paramref name="half"/>
    /// and the next: k = 2t, 2t + 1, then + 8, at column g. Each lane gathers its rows of A and columns of B from the
    /// lanes that hold them.
    /// </summary>
    public static Vec4<float> Mma(float c0, float c1, float c2, float c3, MmaFragment a, MmaFragment b, int half)
    {
        int lane = Warp.LaneIdx, g = lane >> 2, t = lane & 3;
        float b0 = half == 0 ? b.E0 : b.E4, b1 = half == 0 ? b.E1 : b.E5, b2 = half == 0 ? b.E2 : b.E6, b3 = half == 0 ? b.E3 : b.E7;
        for (int q = 0; q < 4; q++)
        {
            // k = 2q, 2q + 1 and 2q + 8, 2q + 9: held by lane 4g + q in A, by lane 4n + q in B (column n).
            int fromA = 4 * g + q, fromB0 = 8 * t + q, fromB1 = 8 * t + 4 + q;
            float upper0 = Warp.Shuffle(a.E0, fromA), upper1 = Warp.Shuffle(a.E1, fromA);
            float lower0 = Warp.Shuffle(a.E2, fromA), lower1 = Warp.Shuffle(a.E3, fromA);
            float upper8 = Warp.Shuffle(a.E4, fromA), upper9 = Warp.Shuffle(a.E5, fromA);
            float lower8 = Warp.Shuffle(a.E6, fromA), lower9 = Warp.Shuffle(a.E7, fromA);
            float left0 = Warp.Shuffle(b0, fromB0), left1 = Warp.Shuffle(b1, fromB0), left8 = Warp.Shuffle(b2, fromB0), left9 = Warp.Shuffle(b3, fromB0);
            float right0 = Warp.Shuffle(b0, fromB1), right1 = Warp.Shuffle(b1, fromB1), right8 = Warp.Shuffle(b2, fromB1), right9 = Warp.Shuffle(b3, fromB1);
            c0 += upper0 * left0 + upper1 * left1 + upper8 * left8 + upper9 * left9;
            c1 += upper0 * right0 + upper1 * right1 + upper8 * right8 + upper9 * right9;
            c2 += lower0 * left0 + lower1 * left1 + lower8 * left8 + lower9 * left9;
            c3 += lower0 * right0 + lower1 * right1 + lower8 * right8 + lower9 * right9;
        }
        return new Vec4<float>(c0, c1, c2, c3);
    }

    /// <summary>
    /// <c>ldmatrix.sync.aligned.m8n8.x4.b16</c> over tf32 rows (a row of the 8 × 8 16-bit matrix is 4 floats): lane 8j + i
    /// gives, in <paramref name="row"/>, the arena index of row i of matrix j; every lane g·4 + t receives, of each
    /// matrix j, row g's element t (register j), as the tensor cores read it (<see cref="TileMath.TruncateToTf32"/>).
    /// </summary>
    public static Vec4<float> LoadMatrixTf32(ArrayView<float> arena, int row)
    {
        int lane = Warp.LaneIdx, g = lane >> 2, t = lane & 3;
        return new Vec4<float>(
            TileMath.TruncateToTf32(arena[Warp.Shuffle(row, g) + t]),
            TileMath.TruncateToTf32(arena[Warp.Shuffle(row, 8 + g) + t]),
            TileMath.TruncateToTf32(arena[Warp.Shuffle(row, 16 + g) + t]),
            TileMath.TruncateToTf32(arena[Warp.Shuffle(row, 24 + g) + t]));
    }

    /// <summary>
    /// <c>mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32</c>, D = A·B + C, on one warp. Lane g·4 + t holds C and D as
    /// in <see cref="Mma"/>; A's registers (from <see cref="LoadMatrixTf32"/>) are rows g, g + 8, g, g + 8 at k = t
    /// (+ 4 for registers 2 and 3); B's registers are 2·<paramref name="half"/> and the next: k = t and t + 4 at column g.
    /// </summary>
    public static Vec4<float> MmaTf32(float c0, float c1, float c2, float c3, Vec4<float> a, Vec4<float> b, int half)
    {
        int lane = Warp.LaneIdx, g = lane >> 2, t = lane & 3;
        float b0 = half == 0 ? b.X : b.Z, b1 = half == 0 ? b.Y : b.W;
        for (int q = 0; q < 4; q++)
        {
            // k = q and q + 4: held by lane 4g + q in A, by lane 4n + q in B (column n).
            int fromA = 4 * g + q, fromB0 = 8 * t + q, fromB1 = 8 * t + 4 + q;
            float upper = Warp.Shuffle(a.X, fromA), lower = Warp.Shuffle(a.Y, fromA);
            float upper4 = Warp.Shuffle(a.Z, fromA), lower4 = Warp.Shuffle(a.W, fromA);
            float left = Warp.Shuffle(b0, fromB0), left4 = Warp.Shuffle(b1, fromB0);
            float right = Warp.Shuffle(b0, fromB1), right4 = Warp.Shuffle(b1, fromB1);
            c0 += upper * left + upper4 * left4;
            c1 += upper * right + upper4 * right4;
            c2 += lower * left + lower4 * left4;
            c3 += lower * right + lower4 * right4;
        }
        return new Vec4<float>(c0, c1, c2, c3);
    }

    /// <summary>
    /// Where element (<paramref name="row"/>, <paramref name="column"/>) of a 16-bit operand lies in its buffer when it
    /// is staged for <c>wgmma</c> with the 128-byte swizzle (the layout a shared-memory matrix descriptor with swizzle
    /// mode 1 names): columns in panels of 64 (128 bytes), each panel <paramref name="rows"/> rows of 64 one after
    /// the other, and in row r the 16-byte chunk c stored at chunk c XOR (r mod 8), so that the 8 rows of a core
    /// matrix fall in distinct banks. The buffer must start 1024-byte aligned (the hardware swizzles address bits).
    /// </summary>
    public static int Swizzle128(int row, int column, int rows)
        => (column >> 6) * rows * 64 + row * 64 + ((((column >> 3) & 7) ^ (row & 7)) << 3) + (column & 7);

    /// <summary><see cref="Swizzle128"/> of a float (tf32) operand: columns in panels of 32 (128 bytes), 4 to a 16-byte chunk.</summary>
    public static int Swizzle128Float(int row, int column, int rows)
        => (column >> 5) * rows * 32 + row * 32 + ((((column >> 2) & 7) ^ (row & 7)) << 2) + (column & 3);

    /// <summary>
    /// A <c>wgmma</c> shared-memory matrix descriptor of a 128-byte-swizzled operand at <paramref name="address"/>
    /// (PTX ISA, "Matrix Descriptor Format"): the address, the leading-dimension byte offset (between panels of 64
    /// columns), the stride-dimension byte offset (between groups of 8 rows: 1024), each in 16-byte units, and
    /// swizzle mode 1 in bits 62–63.
    /// </summary>
    public static long Descriptor(uint address, int leadingBytes, int strideBytes)
        => (long)((address & 0x3FFFF) >> 4) | ((long)(leadingBytes >> 4) << 16) | ((long)(strideBytes >> 4) << 32) | (1L << 62);

    /// <summary>
    /// <c>wgmma.mma_async</c> emulated for one element of the accumulator (the CPU's model of the Hopper path):
    /// <paramref name="acc"/> plus the products of row <paramref name="row"/> of a and column <paramref name="column"/>
    /// of b over k = 0 … <paramref name="length"/> − 1, both read through <see cref="Swizzle128"/> from buffers at
    /// <paramref name="a"/> and <paramref name="b"/> (K-major: rows along M or N; else rows along k, of
    /// <paramref name="aRows"/> and <paramref name="bRows"/> rows), summed in float in the order of k.
    /// </summary>
    public static float SwizzledDot(ArrayView<ushort> arena, int a, int aRows, bool aKMajor, int row, int b, int bRows, bool bKMajor, int column,
        int length, bool bfloat16, float acc)
    {
        for (int k = 0; k < length; k++)
        {
            int atA = a + (aKMajor ? Swizzle128(row, k, aRows) : Swizzle128(k, row, aRows));
            int atB = b + (bKMajor ? Swizzle128(column, k, bRows) : Swizzle128(k, column, bRows));
            acc += Value(arena[atA], bfloat16) * Value(arena[atB], bfloat16);
        }
        return acc;
    }

    /// <summary><see cref="SwizzledDot"/> of K-major float operands read as tf32 (<c>wgmma</c> takes tf32 only K-major).</summary>
    public static float SwizzledDotTf32(ArrayView<float> arena, int a, int aRows, int row, int b, int bRows, int column, int length, float acc)
    {
        for (int k = 0; k < length; k++)
            acc += TileMath.TruncateToTf32(arena[a + Swizzle128Float(row, k, aRows)]) * TileMath.TruncateToTf32(arena[b + Swizzle128Float(column, k, bRows)]);
        return acc;
    }

    /// <summary>
    /// Whether launches on <paramref name="accelerator"/> run a kernel's Hopper variant (<c>wgmma</c>): on a CUDA
    /// device of compute capability 9.x under <see cref="TensorCorePath.Auto"/>, or anywhere under
    /// <see cref="TensorCorePath.Wgmma"/> (the CPU accelerator then runs its emulation).
    /// </summary>
    public static bool UsesWgmma(ILGPU.Runtime.Accelerator accelerator) => TensorCores.Path switch
    {
        TensorCorePath.Wgmma => true,
        TensorCorePath.MmaSync => false,
        _ => accelerator is CudaAccelerator { Architecture.Major: 9 },
    };

    private static float Value(ushort bits, bool bfloat16) => bfloat16 ? TileMath.BFloat16ToFloat(bits) : TileMath.HalfToFloat(bits);
}

/// <summary>Four 32-bit registers of 16-bit pairs (an <c>ldmatrix.x4</c> result), their values as floats.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct MmaFragment
{
    public readonly float E0, E1, E2, E3, E4, E5, E6, E7;

    public MmaFragment(float e0, float e1, float e2, float e3, float e4, float e5, float e6, float e7)
    {
        E0 = e0;
        E1 = e1;
        E2 = e2;
        E3 = e3;
        E4 = e4;
        E5 = e5;
        E6 = e6;
        E7 = e7;
    }
}
