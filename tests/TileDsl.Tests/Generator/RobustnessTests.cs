using System.Linq;
using TileDsl.Generators;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Parsing;
using Microsoft.CodeAnalysis.Text;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>A failure of the generator itself is a diagnostic on the kernel that caused it, never a crash of the whole run.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void A_failure_while_lowering_is_TD0036_on_that_kernel()
    {
        // A specialization whose Store reads a value that nothing defines: the layout stage cannot place it.
        var body = EquatableArray.Of<Statement>(new StoreStatement(Pointers: 41, Data: 42, Mask: null, Atomic: false));
        var model = new KernelModel("K.Broken.g.cs", "", EquatableArray.Of("partial class K"), "global::K", "Broken", "", 4, 0, 1,
            EquatableArray<KernelParameter>.Empty, EquatableArray.Of(new Specialization(EquatableArray<int>.Empty, 4, body)),
            EquatableArray<DiagnosticInfo>.Empty, new SourceSite("K.cs", new TextSpan(10, 6), new LinePositionSpan(new(1, 2), new(1, 8))));

        var lowered = TileKernelGenerator.Lower(model);

        Assert.Equal("", lowered.Source);
        var diagnostic = Assert.Single(lowered.Diagnostics);
        Assert.Equal("TD0036", diagnostic.Id);
        Assert.Equal(model.KernelSite, diagnostic.Site);
        Assert.Contains("Broken", diagnostic.ToDiagnostic().GetMessage());
    }

    [Fact]
    public void Overloads_generate_apart_and_compile()
    {
        var (result, output) = TestCompilation.Run("""
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel] public static void Scale(Ptr<float> x, float s) { var o = Arange(0, 32); Store(x + o, Load(x + o) * s); }
                [TileKernel] public static void Scale(Ptr<double> x, double s) { var o = Arange(0, 32); Store(x + o, Load(x + o) * s); }
                [TileKernel] public static void Other(Ptr<int> x) { var o = Arange(0, 32); Store(x + o, o); }
            }
            """);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new[] { "K.Other.g.cs", "K.Scale.1.g.cs", "K.Scale.2.g.cs" }, result.GeneratedSources.Select(s => s.HintName).OrderBy(h => h));
        Assert.Empty(TestCompilation.Errors(output));
    }

    [Fact]
    public void A_call_that_does_not_bind_leaves_the_error_to_CSharp()
    {
        // The user's only error is C#'s CS0103; the generator must not add a TD diagnostic about the unknown type.
        var (result, output) = TestCompilation.Run("""
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel] public static void Scale(Ptr<float> x) { var o = Arange(0, 32); Tile<float> y = Missing(o); Store(x + o, y + Missing(o)[None, ..]); }
            }
            """);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.All(TestCompilation.Errors(output), e => Assert.Equal("CS0103", e.Id));
        Assert.NotEmpty(TestCompilation.Errors(output));
    }
}
