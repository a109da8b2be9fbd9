using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// The tensor-core accumulator layout against the PTX ISA's fragment of D for mma.m16n8k16 (lane 4g + t holds, per
/// 16 × 8 block, c0, c1 at row g, columns 2t, 2t + 1 and c2, c3 at row g + 8), written here independently of
/// <see cref="Layouts.Mma"/>; and the tiling's choices.
/// </summary>
public sealed class MmaLayoutTests
{
    [Theory]
    [InlineData(128, 128, 128)]
    [InlineData(64, 32, 64)]
    [InlineData(32, 32, 128)]
    [InlineData(16, 16, 128)]
    [InlineData(128, 32, 128)]
    [InlineData(64, 64, 256)]
    [InlineData(128, 128, 512)]
    public void Accumulators_sit_where_the_ptx_fragment_puts_them(int m, int n, int threads)
    {
        var tiling = MmaTiling.For(m, n, 16, ElementType.BFloat16, threads)!;
        var layout = Layouts.Mma(m, n, tiling, threads);
        var count = new int[m * n];
        for (int tid = 0; tid < threads; tid++)
        {
            int lane = tid % 32, warp = tid / 32, g = lane / 4, t = lane % 4;
            int warpM = warp % tiling.WarpsM, warpN = warp / tiling.WarpsM % tiling.WarpsN;
            for (int r = 0; r < layout.RegisterCount; r++)
            {
                // Register r = c + 4·(ni + BlocksN·mi): c0..c3 of column block ni in row block mi.
                int c = r % 4, ni = r / 4 % tiling.BlocksN, mi = r / 4 / tiling.BlocksN;
                int row = warpM * tiling.WarpM + 16 * mi + g + 8 * (c / 2);
                int column = warpN * tiling.WarpN + 8 * ni + 2 * t + c % 2;
                var at = Coordinates(layout, r, tid);
                Assert.Equal((row, column), (at[0], at[1]));
                count[row * n + column]++;
            }
        }
        int copies = threads * layout.RegisterCount / (m * n);
        Assert.All(count, k => Assert.Equal(copies, k));
    }

    [Theory]
    [InlineData(128, 128, 4, 2, 2)]
    [InlineData(64, 64, 4, 2, 2)]
    [InlineData(128, 32, 4, 4, 1)]
    [InlineData(64, 32, 2, 2, 1)]
    [InlineData(16, 16, 4, 1, 1)]
    [InlineData(32, 128, 8, 2, 4)]
    [InlineData(128, 128, 16, 4, 4)]
    public void Warps_halve_the_longer_side_of_their_part(int m, int n, int warps, int warpsM, int warpsN)
    {
        var tiling = MmaTiling.For(m, n, 32, ElementType.Half, 32 * warps)!;
        Assert.Equal((warpsM, warpsN), (tiling.WarpsM, tiling.WarpsN));
        Assert.Equal((m / warpsM, n / warpsN), (tiling.WarpM, tiling.WarpN));
    }

    [Theory]
    [InlineData(24, 32, 32, "BFloat16")]
    [InlineData(32, 40, 32, "BFloat16")]
    [InlineData(32, 32, 8, "Half")]
    [InlineData(32, 32, 32, "Float")]
    public void Other_dots_stay_on_fma_units(int m, int n, int k, string input)
        => Assert.Null(MmaTiling.For(m, n, k, System.Enum.Parse<ElementType>(input), 128));

    /// <summary>
    /// The wgmma tiling's layout against the PTX ISA's D fragment of <c>wgmma.mma_async.m64nNk16</c>, written here
    /// independently: thread T of warpgroup G holds d[i] at row 64·G' + 16·(T / 32) + (T % 32) / 4 + 8·(i / 2 % 2),
    /// column N·G'' + 8·(i / 4) + 2·(T % 4) + i % 2, warpgroups along M first (G'), then N (G''); every element once.
    /// </summary>
    [Theory]
    [InlineData(128, 128, 256, 128)]
    [InlineData(128, 128, 512, 64)]
    [InlineData(64, 256, 128, 256)]
    [InlineData(128, 256, 256, 256)]
    public void Wgmma_accumulators_sit_where_the_ptx_fragment_puts_them(int m, int n, int threads, int columns)
    {
        var tiling = MmaTiling.ForWgmma(m, n, 64, ElementType.BFloat16, threads)!;
        Assert.True(tiling.Wgmma);
        Assert.Equal(columns, tiling.WarpN);
        var layout = Layouts.Mma(m, n, tiling, threads);
        Assert.Equal(columns / 2, layout.RegisterCount);
        int groupsM = m / 64;
        var count = new int[m * n];
        for (int tid = 0; tid < threads; tid++)
        {
            int group = tid / 128, inGroup = tid % 128, groupM = group % groupsM, groupN = group / groupsM;
            for (int i = 0; i < layout.RegisterCount; i++)
            {
                int row = 64 * groupM + 16 * (inGroup / 32) + inGroup % 32 / 4 + 8 * (i / 2 % 2);
                int column = columns * groupN + 8 * (i / 4) + 2 * (inGroup % 4) + i % 2;
                var at = Coordinates(layout, i, tid);
                Assert.Equal((row, column), (at[0], at[1]));
                count[row * n + column]++;
            }
        }
        Assert.All(count, k => Assert.Equal(1, k));
    }

    /// <summary>
    /// wgmma's a from registers against the PTX ISA's A fragment of <c>wgmma.mma_async.m64nNk16</c> (register form),
    /// written here independently: warp w of warpgroup G holds rows 64·G + 16·w to + 15 and, of each 16 × 16 block kk
    /// of k, in lane 4g + t, a0 = (g, 2t), a1 = (g + 8, 2t), a2 = (g, 2t + 8), a3 = (g + 8, 2t + 8), each with the next
    /// column in its high half. The emitter packs registers 8kk + 2j (low) and 8kk + 2j + 1 (high) of
    /// <c>DotLowering.RegisterOperandLayout</c> into fragment j; warps beyond the rows hold copies.
    /// </summary>
    [Theory]
    [InlineData(128, 64, 256)]
    [InlineData(128, 128, 256)]
    [InlineData(64, 64, 256)]
    [InlineData(64, 32, 128)]
    public void Register_operands_sit_where_the_ptx_a_fragment_puts_them(int m, int k, int threads)
    {
        var tiling = new MmaTiling(ElementType.BFloat16, m / 16, threads / 32 / (m / 16), 16, 64) { Wgmma = true };
        var layout = TileDsl.Generators.Distributed.DotLowering.RegisterOperandLayout(m, k, tiling, threads)!;
        Assert.Equal(k / 2, layout.RegisterCount);
        var count = new int[m * k];
        for (int tid = 0; tid < threads; tid++)
        {
            int warp = tid / 32 % (m / 16), lane = tid % 32, g = lane / 4, t = lane % 4;
            for (int kk = 0; kk < k / 16; kk++)
            for (int j = 0; j < 4; j++)
            for (int half = 0; half < 2; half++)
            {
                int row = 16 * warp + g + 8 * (j % 2), column = 16 * kk + 2 * t + 8 * (j / 2) + half;
                var at = Coordinates(layout, 8 * kk + 2 * j + half, tid);
                Assert.Equal((row, column), (at[0], at[1]));
                count[row * k + column]++;
            }
        }
        Assert.All(count, c => Assert.Equal(threads / (m / 16 * 32), c));
    }

    [Theory]
    [InlineData(32, 128, 64, 128)]   // fewer than 64 rows
    [InlineData(128, 128, 32, 256)]  // k not a multiple of 64
    [InlineData(128, 128, 64, 128)]  // 8 row blocks on 4 warps
    [InlineData(64, 512, 64, 128)]   // 512 columns for one warpgroup
    [InlineData(64, 96, 64, 128)]    // columns not a multiple of 64
    public void Dots_wgmma_cannot_take_have_no_wgmma_tiling(int m, int n, int k, int threads)
        => Assert.Null(MmaTiling.ForWgmma(m, n, k, ElementType.BFloat16, threads));

    /// <summary>The 128-byte swizzle against the PTX ISA's pattern, written here independently: byte address bits 4–6
    /// XOR bits 7–9 within each 1024-byte group of 8 rows of 128 bytes; every element of a panel in its own place.</summary>
    [Fact]
    public void Swizzle128_permutes_16_byte_chunks_by_row()
    {
        const int rows = 24;
        var seen = new bool[2 * rows * 64];
        for (int row = 0; row < rows; row++)
            for (int column = 0; column < 128; column++)
            {
                int at = TileMma.Swizzle128(row, column, rows);
                int linear = (column / 64 * rows + row) * 128 + column % 64 * 2;   // bytes, unswizzled
                int expected = linear ^ ((linear >> 7 & 7) << 4);
                Assert.Equal(expected, at * 2);
                Assert.False(seen[at]);
                seen[at] = true;
            }
    }

    private static int[] Coordinates(LinearLayout layout, int register, int tid)
    {
        var at = layout.RegisterCoordinates(register);
        var bases = layout.ThreadBases.ToList();
        for (int bit = 0; bit < bases.Count; bit++)
            if ((tid >> bit & 1) != 0)
                for (int d = 0; d < at.Length; d++) at[d] ^= bases[bit][d];
        return at;
    }
}
