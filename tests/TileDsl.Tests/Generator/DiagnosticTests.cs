using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using TileDsl.Generators;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// Every TD diagnostic at its precise location (Microsoft.CodeAnalysis.Testing markup <c>{|TDxxxx:span|}</c>), with
/// offline reference assemblies. A kernel with a diagnostic generates nothing.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using TileDsl;\nusing static TileDsl.Tl;\n";

    [Theory]
    [InlineData("TD0001", "public static partial class K { [TileKernel] public void {|TD0001:A|}(Ptr<float> x) { } }")]
    [InlineData("TD0002", "public static partial class K { [TileKernel] public static void {|TD0002:A|}<T>(Ptr<float> x) { } }")]
    [InlineData("TD0003", "public static class {|TD0003:K|} { [TileKernel] public static void A(Ptr<float> x) { } }")]
    [InlineData("TD0004", "public static partial class K { [TileKernel] public static void A(ref int {|TD0004:n|}) { } }")]
    [InlineData("TD0005", "public static partial class K { [TileKernel] public static void A(string {|TD0005:s|}) { } }")]
    [InlineData("TD0006", "public static partial class K { [TileKernel] public static void A([Constexpr(1)] float {|TD0006:b|}) { } }")]
    [InlineData("TD0006", "public static partial class K { [TileKernel] public static void A([Constexpr] int {|TD0006:b|}) { } }")]
    [InlineData("TD0006", "public static partial class K { [TileKernel] public static void A([Constexpr(16, 32, Warps = new[] { 4 })] int {|TD0006:b|}) { } }")]
    [InlineData("TD0006", "public static partial class K { [TileKernel] public static void A([Constexpr(16, 32, Warps = new[] { 4, 6 })] int {|TD0006:b|}) { } }")]
    [InlineData("TD0007", "public static partial class K { [TileKernel] public static {|TD0007:int|} A(Ptr<float> x) => 0; }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(int n) { for (int i = 0; i < n; i++) { {|TD0010:break;|} } } }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(int n) { int m = n; while (m > 0) { m--; if (m == 3) {|TD0010:continue;|} } } }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(int n) { int m = n; while (m > 0) { m--; if (m == 3) { {|TD0010:return;|} } } } }")]
    // A while loop's condition is one bool for the program (a Tile<bool> there is also C# error CS0029), without assignments.
    [InlineData("TD0042", "public static partial class K { [TileKernel] public static void A(int n) { while ({|TD0042:Arange(0, 16) < n|}) { } } }")]
    [InlineData("TD0042", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; if ({|TD0042:m|}) { } } }")]
    [InlineData("TD0042", "public static partial class K { [TileKernel] public static void A(int n) { int i = 0; while ({|TD0042:i++|} < n) { } } }")]
    [InlineData("TD0020", "public static partial class K { [TileKernel] public static void A(int n) { var acc = Zeros<float>(64); {|TD0020:while (n > 0) { acc = acc[.., None] + Zeros<float>(64, 64); }|} } }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(int n) { {|TD0010:try { } catch { }|} } }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(Ptr<float> x, int n) { for (int i = 0; i < n; i++) { if (i > 2) { {|TD0010:return;|} } } } }")]
    [InlineData("TD0010", "public static partial class K { [TileKernel] public static void A(int n) { int {|TD0010:m|}; m = n; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { System.Func<int> f = {|TD0011:() => n|}; } }")]
    [InlineData("TD0011", "public static partial class K { static int field; [TileKernel] public static void A(int n) { var m = {|TD0011:field|}; } }")]
    [InlineData("TD0012", "public static partial class K { [TileKernel] public static void A(float n) { var m = {|TD0012:System.Math.Max(n, 1f)|}; } }")]
    [InlineData("TD0013", "public static partial class K { [TileKernel] public static void A(int n) { {|TD0013:A(n)|}; } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(int n) { var r = Arange(0, {|TD0014:n|}); } }")]
    [InlineData("TD0015", "public static partial class K { [TileKernel] public static void A(int n) { var r = {|TD0015:Arange(0, 100)|}; } }")]
    [InlineData("TD0016", "public static partial class K { [TileKernel] public static void A(int n) { var r = {|TD0016:Arange(0, 64) + Arange(0, 128)|}; } }")]
    [InlineData("TD0017", "public static partial class K { [TileKernel] public static void A(int n) { var r = Arange(0, 64)[.., None]; var s = {|TD0017:r[.., None]|}; } }")]
    [InlineData("TD0018", "public static partial class K { [TileKernel] public static void A(int n) { ulong m = {|TD0018:(ulong)n|}; } }")]
    [InlineData("TD0019", "public static partial class K { [TileKernel] public static void A(int n) { for (int i = 0; {|TD0019:i != n|}; i++) { } } }")]
    [InlineData("TD0019", "public static partial class K { [TileKernel] public static void A(int n) { foreach (var i in {|TD0019:new[] { 1, 2 }|}) { } } }")]
    [InlineData("TD0020", "public static partial class K { [TileKernel] public static void A(int n) { var acc = Zeros<float>(64); {|TD0020:for (int i = 0; i < n; i++) { acc = acc[.., None] + Zeros<float>(64, 64); }|} } }")]
    [InlineData("TD0023", "public static partial class K { [TileKernel(NumWarps = 3)] public static void {|TD0023:A|}(int n) { } }")]
    [InlineData("TD0037", "public static partial class K { [TileKernel(MinProgramsPerSM = 33)] public static void {|TD0037:A|}(int n) { } }")]
    [InlineData("TD0037", "public static partial class K { [TileKernel(NumWarps = 8, MinProgramsPerSM = -1)] public static void {|TD0037:A|}(int n) { } }")]
    [InlineData("TD0040", "public static partial class K { [TileKernel(NumStages = 0)] public static void {|TD0040:A|}(int n) { } }")]
    [InlineData("TD0040", "public static partial class K { [TileKernel(NumStages = 9)] public static void {|TD0040:A|}(int n) { } }")]
    [InlineData("TD0029", "public static partial class K { [TileKernel] public static void {|TD0029:A|}([Constexpr(1, 2, 3, 4, 5, 6, 7, 8, 9)] int a, [Constexpr(1, 2, 3, 4, 5, 6, 7, 8)] int b) { } }")]
    [InlineData("TD0030", "public static partial class K { [TileKernel] public static void A(int n) { var z = {|TD0030:Zeros<float>(1024, 1024)|}; } }")]
    [InlineData("TD0031", "public static partial class K { [TileKernel] public static void A(int n) { foreach (var i in {|TD0031:StaticRange(0, 1000)|}) { } } }")]
    [InlineData("TD0032", "public static partial class K { [TileKernel] public static void A(int n) { var a = Zeros<float>(16, 32); var c = {|TD0032:Dot(a, a)|}; } }")]
    [InlineData("TD0032", "public static partial class K { [TileKernel] public static void A(int n) { var a = Zeros<float>(16, 32); var c = Dot(a, Trans(a), {|TD0032:Zeros<float>(32, 32)|}); } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var a = Zeros<int>(16, 16); var c = {|TD0034:Dot(a, a)|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var a = Zeros<double>(16, 16); var c = Dot(a, a, {|TD0034:Zeros<float>(16, 16)|}); } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(Ptr<System.Half> p) { var o = Arange(0, 16); {|TD0034:AtomicMax(p + o, Load(p + o))|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(Ptr<System.Half> p) { var v = Load(p); {|TD0034:AtomicCas(p, v, v)|}; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var s = Sum(Zeros<float>(16, 16), {|TD0011:2|}); } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(bool keep) { var s = Sum(Zeros<float>(16, 16), 0, {|TD0014:keep|}); } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(bool back) { var s = Cumsum(Zeros<float>(16, 16), 1, {|TD0014:back|}); } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(Ptr<int> p, int s) { AtomicAdd(p, 1, {|TD0014:(AtomicSem)s|}); } }")]
    [InlineData("TD0045", "public static partial class K { [TileKernel] public static void A(int n) { var c = {|TD0045:Dot(Zeros<float>(16, 8), Zeros<float>(8, 16), InputPrecision.Tf32)|}; } }")]
    [InlineData("TD0045", "public static partial class K { [TileKernel] public static void A(int n) { var c = {|TD0045:Dot(Zeros<float>(32, 16), Zeros<float>(16, 8), Zeros<float>(32, 8), InputPrecision.Tf32)|}; } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(int p) { var c = Dot(Zeros<float>(16, 16), Zeros<float>(16, 16), {|TD0014:(InputPrecision)p|}); } }")]
    [InlineData("TD0041", "public static partial class K { [TileKernel] public static void A(Ptr<int> p) { var o = Arange(0, 16); AtomicAdd(p + o, o, scope: {|TD0041:AtomicScope.Sys|}); } }")]
    [InlineData("TD0041", "public static partial class K { [TileKernel] public static void A(Ptr<int> p) { int old = AtomicCas(p, 0, 1, AtomicSem.Relaxed, {|TD0041:AtomicScope.Sys|}); } }")]
    // A runtime double beside a float tile is not a weakly typed literal. (These tests' Roslyn 4.11 predates C# 14's
    // extension operators, so `v * d` is checked by the build of WeakLiteralKernels only; the Tl overloads here.)
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(double d) { var v = Zeros<float>(16); var w = Where(v > 0.5f, v, {|TD0014:d|}); } }")]
    [InlineData("TD0014", "public static partial class K { [TileKernel] public static void A(double d) { var v = Maximum(Zeros<float>(16), {|TD0014:d * 2|}); } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var i = {|TD0011:Argmax(Zeros<float>(16, 16))|}; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var t = {|TD0011:Trans(Arange(0, 16))|}; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var t = {|TD0011:Reshape(Arange(0, 16), 4, 8)|}; } }")]
    [InlineData("TD0016", "public static partial class K { [TileKernel] public static void A(int n) { var t = {|TD0016:BroadcastTo(Zeros<float>(4, 2), 4, 8)|}; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(Ptr<float> x, Ptr<float> y, int n) { var p = x + Arange(0, 16); {|TD0011:for (int i = 0; i < n; i++) { p = y + Arange(0, 16); }|} Store(p, Zeros<float>(16)); } }")]
    [InlineData("TD0033", "public static partial class K { [TileKernel] public static void {|TD0033:A|}(Ptr<float> a, Ptr<float> b, Ptr<float> c, Ptr<float> d, Ptr<float> e, Ptr<float> f, Ptr<float> g, Ptr<float> h, Ptr<float> i, Ptr<float> j, Ptr<float> k, Ptr<float> l, Ptr<float> m, Ptr<float> n, int x) { } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var a = Arange(0, 16); var b = {|TD0034:!a|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var f = Zeros<float>(16); var g = {|TD0034:f & f|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:-m|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var f = Zeros<float>(16); var g = {|TD0034:f ^ f|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:Cumsum(m)|}; } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var x = Cumsum(Zeros<float>(16, 16), {|TD0011:2|}); } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var f = Zeros<float>(16); var g = {|TD0034:f << 2f|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:~m|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:m < m|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:m % m|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var x = {|TD0034:Maximum(m, m)|}; } }")]
    [InlineData("TD0034", "public static partial class K { [TileKernel] public static void A(int n) { var f = Zeros<float>(16); var s = {|TD0034:Sum(f < 1f)|}; } }")]
    [InlineData("TD0035", "public static partial class K { [TileFunction] static Tile<float> F(Tile<float> x) => {|TD0035:F(x)|}; [TileKernel] public static void A(int n) { var y = F(Zeros<float>(16)); } }")]
    [InlineData("TD0010", "public static partial class K { [TileFunction] static Tile<float> F(Tile<float> x, int n) { if (n > 1) { {|TD0010:return x;|} } return x * 2f; } [TileKernel] public static void A(int n) { var y = F(Zeros<float>(16), 3); } }")]
    [InlineData("TD0042", "public static partial class K { [TileFunction] static Tile<float> F(Tile<float> x, int n) { while ({|TD0042:x > 0f|}) { } return x; } [TileKernel] public static void A(int n) { var y = F(Zeros<float>(16), n); } }")]
    [InlineData("TD0015", "public static partial class K { [TileFunction] static Tile<int> R(int size) => {|TD0015:Arange(0, size)|}; [TileKernel] public static void A(int n) { var y = R(12); } }")]
    // Reduce and AssociativeScan take a static [TileFunction] combiner (T a, T b) => T by name, computing on scalars only.
    [InlineData("TD0038", "public static partial class K { [TileKernel] public static void A(int n) { var s = Reduce(Zeros<float>(16), 0, {|TD0038:(a, b) => a + b|}); } }")]
    [InlineData("TD0038", "public static partial class K { static float F(float a, float b) => a + b; [TileKernel] public static void A(int n) { var s = AssociativeScan(Zeros<float>(16), 0, {|TD0038:F|}); } }")]
    [InlineData("TD0038", "public static partial class K { [TileKernel] public static void A(int n) { var s = Reduce(Zeros<float>(16), {|TD0038:System.Math.Max|}); } }")]
    [InlineData("TD0038", "public static partial class K { [TileFunction] static float F(float a, float b) => Sum({|TD0038:Full(4, a)|}) + b; [TileKernel] public static void A(int n) { var s = Reduce(Zeros<float>(16), 0, F); } }")]
    [InlineData("TD0038", "public static partial class K { [TileFunction] static int F(int a, int b) => a + {|TD0038:ProgramId(0)|}; [TileKernel] public static void A(int n) { var s = AssociativeScan(Arange(0, 16), 0, F); } }")]
    [InlineData("TD0038", "public static partial class K { [TileFunction] static int F(int a, int b) { var s = a; {|TD0038:for (int i = 0; i < b; i++) { s = s * 2; }|} return s; } [TileKernel] public static void A(int n) { var s = Reduce(Arange(0, 16), F); } }")]
    [InlineData("TD0038", "public static partial class K { [TileFunction] static int F(int a, int b) { var s = a; {|TD0038:while (s < b) { s = s * 2; }|} return s; } [TileKernel] public static void A(int n) { var s = Reduce(Arange(0, 16), F); } }")]
    [InlineData("TD0034", "public static partial class K { [TileFunction] static bool F(bool a, bool b) => a | b; [TileKernel] public static void A(int n) { var m = Arange(0, 16) < n; var s = {|TD0034:Reduce(m, 0, F)|}; } }")]
    // Tuple Reduce and AssociativeScan: tuples are taken apart where they are made; the tiles have one shape.
    [InlineData("TD0046", "public static partial class K { [TileFunction] static (float, int) F(float a, int ia, float b, int ib) => b > a ? (b, ib) : (a, ia); [TileKernel] public static void A(int n) { var t = {|TD0046:Reduce((Zeros<float>(16), Arange(0, 16)), 0, F)|}; } }")]
    [InlineData("TD0046", "public static partial class K { [TileFunction] static (float, int) F(float a, int ia, float b, int ib) => b > a ? (b, ib) : (a, ia); [TileKernel] public static void A(int n) { var t = {|TD0046:Reduce((Zeros<float>(16), Arange(0, 16)), F)|}; var (v, i) = t; var w = t.Item1 + v; } }")]
    [InlineData("TD0046", "public static partial class K { [TileFunction] static Tile<float> G((Tile<float>, Tile<int>) p) => Zeros<float>(16); [TileKernel] public static void A(int n) { var t = G({|TD0046:(Zeros<float>(16), Arange(0, 16))|}); } }")]
    [InlineData("TD0046", "public static partial class K { [TileFunction] static (float, int) F(float a, int ia, float b, int ib) => b > a ? (b, ib) : (a, ia); [TileKernel] public static void A(int n) { var (v, i) = Reduce((Zeros<float>(16), {|TD0046:Arange(0, 32)|}), 0, F); } }")]
    [InlineData("TD0046", "public static partial class K { [TileKernel] public static void A(int n) { var (a, {|TD0046:b|}) = (1, (2, 3)); } }")]
    [InlineData("TD0038", "public static partial class K { [TileKernel] public static void A(int n) { var (v, i) = Reduce((Zeros<float>(16), Arange(0, 16)), 0, {|TD0038:(a, ia, b, ib) => (a + b, ia)|}); } }")]
    [InlineData("TD0034", "public static partial class K { [TileFunction] static (bool, int) F(bool a, int ia, bool b, int ib) => (a | b, ia); [TileKernel] public static void A(int n) { var (v, i) = AssociativeScan(({|TD0034:Arange(0, 16) < n|}, Arange(0, 16)), 0, F); } }")]
    [InlineData("TD0011", "public static partial class K { [TileKernel] public static void A(int n) { var (a, b) = {|TD0011:n > 0 ? (Zeros<float>(16), Arange(0, 16)) : (Zeros<float>(16), Arange(0, 16))|}; } }")]
    public async Task Reports_diagnostic(string id, string source)
    {
        Assert.StartsWith("TD", id);
        await GeneratorTest(Usings + source).RunAsync();
    }

    [Fact]
    public async Task Reports_shared_memory_budget()
    {
        // t is read in two layouts (as itself and transposed), so it is converted through shared memory: a [128, 128]
        // float tile is 64 KiB, over the 48 KiB budget. (A Dot stages k in chunks to stay under it; conversions cannot.)
        string source = Usings + """
            public static partial class K
            {
                [TileKernel(NumWarps = 8)]
                public static void {|TD0021:A|}(Ptr<float> x, Ptr<float> y)
                {
                    var r = Arange(0, 128);
                    var at = r[.., None] * 128 + r[None, ..];
                    var t = Load(x + at) * 2f;
                    Store(y + at, t + Trans(t));
                }
            }
            """;
        await GeneratorTest(source).RunAsync();
    }

    [Fact]
    public async Task Reports_constexpr_value_at_the_call_site()
    {
        string source = Usings + """
            public static class Launcher
            {
                public static void Launch([Constexpr(256, 1024)] int BLOCK) { }

                public static void Caller(int runtime)
                {
                    Launch(1024);
                    Launch(runtime);
                    Launch({|TD0022:512|});
                    Launch(BLOCK: {|TD0022:64|});
                }
            }
            """;
        var test = new CSharpAnalyzerTest<ConstexprArgumentAnalyzer, DefaultVerifier> { TestCode = source };
        Offline(test);
        await test.RunAsync();
    }

    private static CSharpSourceGeneratorTest<TileKernelGenerator, DefaultVerifier> GeneratorTest(string source)
    {
        var test = new CSharpSourceGeneratorTest<TileKernelGenerator, DefaultVerifier> { TestCode = source };
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        Offline(test);
        return test;
    }

    /// <summary>Reference assemblies from Basic.Reference.Assemblies instead of a download.</summary>
    private static void Offline(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(TestCompilation.References);
    }
}
