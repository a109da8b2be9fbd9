using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// A bool tile cast to a number is emitted as a choice between literals of the target type. ILGPU 1.5.3 compiles
/// <c>(float)(b ? 1 : 0)</c>, as Roslyn's Release build writes it, to a choice between the float bits 0x1 (2^-149) and
/// 0 on CUDA, which the CPU accelerator (running the IL) does not show: `TileDsl.Bench --only tuples` found it on the
/// GPU in a Welford count (<c>inside.To&lt;float&gt;()</c>).
/// </summary>
public sealed class CastEmissionTests
{
    [Fact]
    public void Bool_casts_choose_between_literals_of_the_target_type()
    {
        const string source = """
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel(NumWarps = 1)]
                public static void Counts(Ptr<float> x, Ptr<float> f, Ptr<double> d, Ptr<int> i, int n)
                {
                    var offs = Arange(0, 64);
                    var inside = offs < n;
                    Store(f + offs, inside.To<float>() + Load(x + offs, inside));
                    Store(d + offs, inside.To<double>());
                    Store(i + offs, inside.To<int>());
                }
            }
            """;
        var (result, output) = TestCompilation.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        string text = result.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("? 1f : 0f)", text);
        Assert.Contains("? 1d : 0d)", text);
        Assert.Contains("? 1 : 0)", text);
        Assert.DoesNotContain("(float)(", text);
        Assert.DoesNotContain("(double)(", text);
    }
}
