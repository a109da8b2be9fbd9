using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Layout;

/// <summary>
/// How a Dot of 16-bit float tiles runs on tensor cores: <c>mma.sync.aligned.m16n8k16</c> (fp32 accumulation) per
/// warp over a <see cref="WarpM"/> × <see cref="WarpN"/> part of the result, warps <see cref="WarpsM"/> ×
/// <see cref="WarpsN"/> over the tile: each split halves the longer side of a warp's part (M on a tie), down to 16,
/// so that parts stay near square and a warp loads the fewest fragments per mma (128 × 128 on 4 warps: 64 × 64
/// each, 4 + 4 ldmatrix per 32 mma). Operands reach the fragments by <c>ldmatrix.x4</c>: a 16 × 16 block of a, or two
/// 8-column blocks of b, per instruction.
/// </summary>
internal sealed record MmaTiling(ElementType Input, int WarpsM, int WarpsN, int WarpM, int WarpN)
{
    /// <summary>16-row blocks of a per warp.</summary>
    public int BlocksM => WarpM / 16;

    /// <summary>8-column blocks of the result per warp.</summary>
    public int BlocksN => WarpN / 8;

    /// <summary>
    /// The tensor-core tiling of a Dot [m, k] × [k, n] of <paramref name="input"/> on <paramref name="numThreads"/>
    /// threads, or null where it runs on FMA units: inputs other than fp16/bf16, or m, n, k not multiples of 16.
    /// </summary>
    public static MmaTiling? For(int m, int n, int k, ElementType input, int numThreads)
    {
        if (!ElementTypes.IsSixteenBit(input) || m % 16 != 0 || n % 16 != 0 || k % 16 != 0 || numThreads % 32 != 0) return null;
        int warps = numThreads / 32, wm = 1, wn = 1;
        while (wm * wn < warps && (m / wm >= 32 || n / wn >= 32))
        {
            if (m / wm >= 32 && (m / wm >= n / wn || n / wn < 32)) wm *= 2;
            else wn *= 2;
        }
        return new MmaTiling(input, wm, wn, m / wm, n / wn);
    }

    /// <summary>The tiling of <paramref name="dot"/> whose a is of <paramref name="aType"/>, or null (see <see cref="For(int, int, int, ElementType, int)"/>).</summary>
    public static MmaTiling? For(DotOp dot, TileType aType, int numThreads)
        => For(dot.Type.Shape[0], dot.Type.Shape[1], aType.Shape[1], aType.Element, numThreads);

    public override string ToString() => $"{WarpsM} × {WarpsN} warps of {WarpM} × {WarpN}";
}
