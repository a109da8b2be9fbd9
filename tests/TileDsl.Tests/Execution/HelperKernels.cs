using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>[TileFunction] helpers of every kind, and a kernel written with them.</summary>
public static partial class HelperKernels
{
    /// <summary>A block of offsets: the constant argument shapes the tile.</summary>
    [TileFunction]
    public static Tile<int> BlockOffsets(int BLOCK) => ProgramId(0) * BLOCK + Arange(0, BLOCK);

    [TileFunction]
    public static Tile<float> Affine(Tile<float> x, float scale, float shift) => x * scale + shift;

    /// <summary>Generic over the element type.</summary>
    [TileFunction]
    public static Tile<T> Clamp<T>(Tile<T> x, T low, T high) => Minimum(Maximum(x, low), high);

    /// <summary>Several statements, a runtime loop and a nested helper; a scalar result.</summary>
    [TileFunction]
    public static float SumOfPowers(Tile<float> x, int powers)
    {
        var power = Affine(x, 1f, 0f);
        float total = 0f;
        for (int p = 0; p < powers; p++)
        {
            total += Sum(power);
            power = power * x;
        }
        return total;
    }

    /// <summary>No result: stores through a pointer parameter.</summary>
    [TileFunction]
    public static void StoreInside(Ptr<float> p, Tile<int> offsets, Tile<float> values, int n)
    {
        Store(p + offsets, values, offsets < n);
    }

    /// <summary>
    /// y = clamp(x·s + 0.5, 0, 1) over n elements and, per program, Σ_p=1..3 Σ_i y_i^p over its block (masked lanes
    /// count as 0).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Normalize(Ptr<float> x, Ptr<float> y, Ptr<float> powers, int n, float s, [Constexpr(64, 128)] int BLOCK)
    {
        var offsets = BlockOffsets(BLOCK);
        var inside = offsets < n;
        var v = Load(x + offsets, inside);
        var clamped = Clamp(Affine(v, s, 0.5f), 0f, 1f);
        StoreInside(y, offsets, clamped, n);
        Store(powers + ProgramId(0), SumOfPowers(Where(inside, clamped, 0f), 3));
    }
}
