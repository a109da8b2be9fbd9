using System.Linq;
using System.Text.RegularExpressions;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// The double-buffering pass: a loop that stages a Dot's operands each iteration alternates between two copies and
/// keeps one barrier per iteration, unless the copies would not fit in shared memory. (Its results are checked by the
/// matmul tests on the CPU accelerator, whose k loops run 3 to 5 iterations through both copies.)
/// </summary>
public sealed class DoubleBufferingTests
{
    private static string Kernel(int bm, int bn, int bk) => $$"""
        using TileDsl;
        using static TileDsl.Tl;

        public static partial class K
        {
            [TileKernel(NumWarps = 4)]
            public static void Product(Ptr<float> a, Ptr<float> b, Ptr<float> c, int K, [Constexpr({{bm}})] int BM, [Constexpr({{bn}})] int BN, [Constexpr({{bk}})] int BK)
            {
                var rm = Arange(0, BM);
                var rn = Arange(0, BN);
                var acc = Zeros<float>(BM, BN);
                for (int k = 0; k < K; k += BK)
                {
                    var rk = k + Arange(0, BK);
                    var x = Load(a + rm[.., None] * K + rk[None, ..], rk[None, ..] < K);
                    var y = Load(b + rk[.., None] * BN + rn[None, ..], rk[.., None] < K);
                    acc = Dot(x, y, acc);
                }
                Store(c + rm[.., None] * BN + rn[None, ..], acc);
            }
        }
        """;

    /// <summary>The text of the first runtime loop of the generated kernel, braces matched.</summary>
    private static string LoopBody(string generated)
    {
        int start = generated.IndexOf("for (int k = 0;", System.StringComparison.Ordinal);
        Assert.True(start >= 0, "no runtime loop generated");
        int open = generated.IndexOf('{', start), depth = 0;
        for (int i = open; i < generated.Length; i++)
        {
            if (generated[i] == '{') depth++;
            else if (generated[i] == '}' && --depth == 0) return generated.Substring(open, i - open + 1);
        }
        throw new Xunit.Sdk.XunitException("unbalanced braces in the generated kernel");
    }

    private static string Generate(string source)
    {
        var (result, output) = TestCompilation.Run(source);
        Assert.Empty(TestCompilation.Errors(output));
        return result.GeneratedSources.Single().SourceText.ToString();
    }

    [Fact]
    public void A_loop_that_stages_its_operands_alternates_two_copies_with_one_barrier()
    {
        string generated = Generate(Kernel(32, 32, 16));
        string body = LoopBody(generated);
        Assert.Single(Regex.Matches(body, @"Group\.Barrier\(\);"));
        Assert.Contains("stage ^= 1;", body);
        // The multiply-adds read the copy the stores of this iteration wrote.
        Assert.Matches(@"int aAt = stage \* \d+", body);
        Assert.Matches(@"int bAt = stage \* \d+", body);
    }

    [Fact]
    public void Copies_that_would_not_fit_in_shared_memory_stay_single_with_two_barriers()
    {
        // a: 32 × (64 + 4) and b: 32 × (128 + 4) floats, 25.6 KiB staged per iteration; two copies would pass 48 KiB.
        string generated = Generate(Kernel(64, 128, 32));
        string body = LoopBody(generated);
        Assert.Equal(2, Regex.Matches(body, @"Group\.Barrier\(\);").Count);
        Assert.DoesNotContain("stage", body);
    }
}
