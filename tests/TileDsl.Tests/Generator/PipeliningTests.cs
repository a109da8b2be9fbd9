using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>Which loads the software pipeline (<c>NumStages</c>) takes, read from the generated kernels' comments on
/// their pipeline buffers; results are tested on both runners in <c>TensorCoreTests</c>.</summary>
public sealed class PipeliningTests
{
    /// <summary>A Dot's operand loaded in the loop and read through a Trans (a loaded [k, m], b loaded [n, k]) is
    /// pipelined like one read as loaded, its stages placed as the Dot reads the transpose; a Trans with a second reader is not.</summary>
    [Theory]
    [InlineData("Dot(Trans(aTile), Trans(bTile), acc)", "a, [64][72], System.Half, 3 stages", "b, k-major [64][72], System.Half, 3 stages")]
    [InlineData("Dot(Trans(aTile), Trans(bTile), acc) + Trans(bTile).To<float>()", "a, [64][72], System.Half, 3 stages", null)]
    public void A_load_read_through_a_trans_is_pipelined(string product, string a, string? b)
    {
        string source = $$"""
            using System;
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel(NumWarps = 4, NumStages = 3)]
                public static void Product(Ptr<Half> aT, Ptr<Half> bT, Ptr<float> c, int K)
                {
                    var r = Arange(0, 64);
                    var acc = Zeros<float>(64, 64);
                    for (int k = 0; k < K; k += 64)
                    {
                        var rk = k + Arange(0, 64);
                        var aTile = Load(aT + (rk[.., None] * 64 + r[None, ..]), rk[.., None] < K);
                        var bTile = Load(bT + (r[.., None] * K + rk[None, ..]), rk[None, ..] < K);
                        acc = {{product}};
                    }
                    Store(c + (r[.., None] * 64 + r[None, ..]), acc);
                }
            }
            """;
        var (result, output) = TestCompilation.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        var buffers = result.GeneratedSources.Single().SourceText.ToString().Split('\n').Select(l => l.Trim())
            .Where(l => l.Contains("stages: stage 0") && !l.Contains("swizzled")).Distinct().ToList(); // the mma.sync kernels' (Hopper's swizzled alike)
        Assert.Contains(buffers, l => l.Contains(a));
        Assert.Equal(b is null ? 1 : 2, buffers.Count);
        if (b is not null) Assert.Contains(buffers, l => l.Contains(b));
    }
}
