using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TileDsl.Generators;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>Edits outside any kernel re-run no lowering (the pipeline models are equatable).</summary>
public sealed class IncrementalityTests
{
    private const string Kernel = """
        using TileDsl;
        using static TileDsl.Tl;

        public static partial class K
        {
            [TileKernel]
            public static void Scale(Ptr<float> x, int n, float s, [Constexpr(128)] int B)
            {
                var offs = ProgramId(0) * B + Arange(0, B);
                Store(x + offs, Load(x + offs, offs < n) * s, offs < n);
            }

            public static int Helper() => 1;
        }
        """;

    [Theory]
    [InlineData("public static int Helper() => 1;", "public static int Helper() => 2; // edited")]
    [InlineData("public static partial class K", "/* a comment above */ public static partial class K")]
    public void Edit_outside_the_kernel_reruns_no_lowering(string before, string after)
    {
        var compilation = TestCompilation.Create(Kernel, "public static class Other { }");
        var driver = TestCompilation.Driver(trackSteps: true).RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Kernel.Replace(before, after), TestCompilation.ParseOptions, path: "Kernel0.cs"));
        driver = driver.RunGenerators(edited);

        var result = driver.GetRunResult().Results.Single();
        var lower = result.TrackedSteps[TileKernelGenerator.Steps.Lower];
        Assert.All(lower.SelectMany(step => step.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Lowering re-ran: {output.Reason}"));
        Assert.Single(result.GeneratedSources);
    }

    [Fact]
    public void Edit_in_another_file_leaves_the_model_equal()
    {
        var compilation = TestCompilation.Create(Kernel, "public static class Other { }");
        var driver = TestCompilation.Driver(trackSteps: true).RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public static class Other { public static int X; }", TestCompilation.ParseOptions, path: "Kernel1.cs"));
        driver = driver.RunGenerators(edited);
        var result = driver.GetRunResult().Results.Single();
        // Roslyn re-runs the parse transform when the compilation changes; its model compares equal, so lowering does not run.
        Assert.All(result.TrackedSteps[TileKernelGenerator.Steps.Parse].SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Parse output {output.Reason}"));
        Assert.All(result.TrackedSteps[TileKernelGenerator.Steps.Lower].SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Edit_inside_the_kernel_lowers_again()
    {
        var compilation = TestCompilation.Create(Kernel);
        var driver = TestCompilation.Driver(trackSteps: true).RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Kernel.Replace("* s", "* s + 1f"), TestCompilation.ParseOptions, path: "Kernel0.cs"));
        driver = driver.RunGenerators(edited);
        var lower = driver.GetRunResult().Results.Single().TrackedSteps[TileKernelGenerator.Steps.Lower];
        Assert.Contains(lower.SelectMany(s => s.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
    }

    private const string HelperCaller = """
        using TileDsl;
        using static TileDsl.Tl;

        public static partial class K
        {
            [TileKernel]
            public static void Twice(Ptr<float> x, int n)
            {
                var offs = ProgramId(0) * 128 + Arange(0, 128);
                Store(x + offs, Helpers.Scale(Load(x + offs, offs < n)), offs < n);
            }

            [TileKernel]
            public static void Copy(Ptr<float> x, Ptr<float> y, int n)
            {
                var offs = ProgramId(0) * 128 + Arange(0, 128);
                Store(y + offs, Load(x + offs, offs < n), offs < n);
            }
        }
        """;

    private const string Helper = """
        using TileDsl;

        public static class Helpers
        {
            [TileFunction]
            public static Tile<float> Scale(Tile<float> v) => v * 2f;
        }
        """;

    [Fact]
    public void Editing_a_helper_lowers_its_callers_again_and_only_them()
    {
        var compilation = TestCompilation.Create(HelperCaller, Helper);
        var driver = TestCompilation.Driver(trackSteps: true).RunGenerators(compilation);
        string before = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName.EndsWith("Twice.g.cs")).SourceText.ToString();

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText(Helper.Replace("v * 2f", "v * 3f"), TestCompilation.ParseOptions, path: "Kernel1.cs"));
        driver = driver.RunGenerators(edited);
        var result = driver.GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TileKernelGenerator.Steps.Lower].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons); // Twice calls the helper
        Assert.Contains(IncrementalStepRunReason.Cached, reasons); // Copy does not
        string after = result.GeneratedSources.Single(s => s.HintName.EndsWith("Twice.g.cs")).SourceText.ToString();
        Assert.Contains("* 3f", after);
        Assert.DoesNotContain("* 3f", before);
    }
}
