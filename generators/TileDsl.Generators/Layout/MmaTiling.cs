using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Layout;

/// <summary>
/// How a Dot of 16-bit float tiles runs on tensor cores: <c>mma.sync.aligned.m16n8k16</c> (fp32 accumulation) per
/// warp over a <see cref="WarpM"/> × <see cref="WarpN"/> part of the result, warps <see cref="WarpsM"/> ×
/// <see cref="WarpsN"/> over the tile: each split halves the longer side of a warp's part (M on a tie), down to 16,
/// so that parts stay near square and a warp loads the fewest fragments per mma (128 × 128 on 4 warps: 64 × 64
/// each, 4 + 4 ldmatrix per 32 mma). Operands reach the fragments by <c>ldmatrix.x4</c>: a 16 × 16 block of a, or two
/// 8-column blocks of b, per instruction. With <see cref="Wgmma"/> (the Hopper variant of a kernel), the Dot runs on
/// <c>wgmma.mma_async.m64nNk16</c> instead: each warpgroup (4 warps along M) computes 64 rows × <see cref="WarpN"/>
/// columns straight from shared memory, each of its warps holding 16 of the rows exactly as an mma.sync warp of
/// 16 × <see cref="WarpN"/> would (the PTX ISA's accumulator fragments agree), so the layout is the same linear layout.
/// A float Dot at tf32 (<see cref="Tf32"/>) runs the same way on <c>m16n8k8</c> and <c>m64nNk8</c> (.tf32): a
/// fragment register holds one 32-bit element instead of two 16-bit ones, so a k step of 8 spans the same 32 bytes.
/// </summary>
internal sealed record MmaTiling(ElementType Input, int WarpsM, int WarpsN, int WarpM, int WarpN)
{
    /// <summary>Whether the Dot runs on <c>wgmma</c> (warpgroups of 4 × 1 warps of 16 rows, operands 128-byte swizzled).</summary>
    public bool Wgmma { get; init; }

    /// <summary>Whether the inputs are floats read as tf32 (else fp16 or bf16).</summary>
    public bool Tf32 => Input == ElementType.Float;

    /// <summary>k per mma instruction: 16 of a 16-bit type, 8 of tf32 (32 bytes of a row either way).</summary>
    public int KStep => Tf32 ? 8 : 16;

    /// <summary>The inputs' PTX type.</summary>
    public string PtxType => Tf32 ? "tf32" : Input == ElementType.BFloat16 ? "bf16" : "f16";

    /// <summary>16-row blocks of a per warp.</summary>
    public int BlocksM => WarpM / 16;

    /// <summary>8-column blocks of the result per warp.</summary>
    public int BlocksN => WarpN / 8;

    /// <summary>
    /// The tensor-core tiling of a Dot [m, k] × [k, n] of <paramref name="input"/> on <paramref name="numThreads"/>
    /// threads, or null where it runs on FMA units: inputs other than fp16/bf16 (or floats at <paramref name="tf32"/>),
    /// or m, n, k not multiples of 16.
    /// </summary>
    public static MmaTiling? For(int m, int n, int k, ElementType input, int numThreads, bool tf32 = false)
    {
        if (!TakesTensorCores(input, tf32) || m % 16 != 0 || n % 16 != 0 || k % 16 != 0 || numThreads % 32 != 0) return null;
        int warps = numThreads / 32, wm = 1, wn = 1;
        while (wm * wn < warps && (m / wm >= 32 || n / wn >= 32))
        {
            if (m / wm >= 32 && (m / wm >= n / wn || n / wn < 32)) wm *= 2;
            else wn *= 2;
        }
        return new MmaTiling(input, wm, wn, m / wm, n / wn);
    }

    /// <summary>
    /// The <c>wgmma</c> tiling of a Dot, or null where it cannot run there: one 16-row block per warp along M (m / 16
    /// warps, whole warpgroups: m a multiple of 64), the rest of the warps along N, each warpgroup's columns
    /// (<c>wgmma</c>'s N) a multiple of 64 up to 256, and k a multiple of a K-major operand's 128-byte rows (64 of a
    /// 16-bit type, 32 of tf32).
    /// </summary>
    public static MmaTiling? ForWgmma(int m, int n, int k, ElementType input, int numThreads, bool tf32 = false)
    {
        if (!TakesTensorCores(input, tf32) || numThreads % 128 != 0 || m % 64 != 0 || n % 64 != 0 || k % (128 / ElementTypes.Of(input).Bytes) != 0) return null;
        int warps = numThreads / 32, warpsM = m / 16;
        if (warpsM > warps || warps % warpsM != 0 || n % (warps / warpsM) != 0) return null;
        int warpsN = warps / warpsM, warpN = n / warpsN;
        return warpN % 64 == 0 && warpN <= 256 ? new MmaTiling(input, warpsM, warpsN, 16, warpN) { Wgmma = true } : null;
    }

    /// <summary>The tiling of <paramref name="dot"/> whose a is of <paramref name="aType"/>, or null (see <see cref="For(int, int, int, ElementType, int)"/>);
    /// with <paramref name="wgmma"/> (a Hopper variant), the <see cref="ForWgmma"/> tiling where there is one.</summary>
    public static MmaTiling? For(DotOp dot, TileType aType, int numThreads, bool wgmma)
    {
        int m = dot.Type.Shape[0], n = dot.Type.Shape[1], k = aType.Shape[1];
        return (wgmma ? ForWgmma(m, n, k, aType.Element, numThreads, dot.Tf32) : null) ?? For(m, n, k, aType.Element, numThreads, dot.Tf32);
    }

    private static bool TakesTensorCores(ElementType input, bool tf32) => ElementTypes.IsSixteenBit(input) || tf32 && input == ElementType.Float;

    public override string ToString() => $"{WarpsM} × {WarpsN} warps of {WarpM} × {WarpN}{(Wgmma ? " (wgmma)" : "")}";

    /// <summary>The instruction's shape, for the generated comments: <c>mma.sync m16n8k16</c>, <c>wgmma m64n256k8</c>.</summary>
    public string Instruction => Wgmma ? $"wgmma m64n{WarpN}k{KStep}" : $"mma.sync m16n8k{KStep}";
}
