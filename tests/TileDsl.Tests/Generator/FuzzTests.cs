using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// Property-based: random kernel bodies, valid and invalid, never crash the generator; every diagnostic it reports is
/// a TD diagnostic; and whenever the kernel compiles and gets no diagnostic, the generated code compiles too.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Statements of kernel bodies: what each declares and which variables it reads.</summary>
    private static readonly (string Code, string Declares, string[] Uses)[] Valid =
    {
        ("var o = ProgramId(0) * B + Arange(0, B);", "o", new string[0]),
        ("var m = o < n;", "m", new[] { "o" }),
        ("var v = Load(x + o, m);", "v", new[] { "o", "m" }),
        ("var w = Load(x + o, m, 1f) * s;", "w", new[] { "o", "m" }),
        ("v = v + w;", "", new[] { "v", "w" }),
        ("Store(x + o, v, m);", "", new[] { "o", "v", "m" }),
        ("var v2 = Exp(v) + Sqrt(Abs(w));", "v2", new[] { "v", "w" }),
        ("var c = o[.., None] * B + Arange(0, B)[None, ..];", "c", new[] { "o" }),
        ("var t = Load(x + c, c < n);", "t", new[] { "c" }),
        ("Store(x + c, t + v[None, ..], c < n);", "", new[] { "c", "t", "v" }),
        ("for (int i = 0; i < n; i += 4) { v = v * 0.5f + w; }", "", new[] { "v", "w" }),
        ("foreach (var k in StaticRange(0, 3)) { w = w + k; }", "", new[] { "w" }),
        ("var z = Zeros<float>(B, 32);", "z", new string[0]),
        ("z = z + v[.., None];", "", new[] { "z", "v" }),
        ("var q = Where(m, v, 0f);", "q", new[] { "m", "v" }),
        ("var iv = Load(y + o, m);", "iv", new[] { "o", "m" }),
        ("Store(y + o, iv.To<float>().To<int>() + 1, m);", "", new[] { "o", "iv", "m" }),
        ("var mx = Maximum(v, w) - Minimum(v, 2f);", "mx", new[] { "v", "w" }),
        ("if (B > 32) { v = v + 1f; }", "", new[] { "v" }),
        ("for (int j = 0; j < n; j++) { var e = Load(x + j + o, m); v = v + e; w = e; }", "", new[] { "o", "m", "v", "w" }),
        ("int sc = n / 2 + B % 3 - Cdiv(n, B);", "sc", new string[0]),
        ("float fs = s * 2f + (float)n;", "fs", new string[0]),
        ("var lt = Log(Exp2(w));", "lt", new[] { "w" }),
        ("var nb = !m | (o >= 5);", "nb", new[] { "m", "o" }),
        ("Store(x + o, Where(nb, v, w), m & nb);", "", new[] { "o", "nb", "v", "w", "m" }),
        ("for (int r = 0; r < n; r++) { foreach (var u in StaticRange(0, 2)) { z = z * 2f + Full<float>(B, 32, fs); } }", "", new[] { "z", "fs" }),
        ("Store(x + c, z, c < n);", "", new[] { "c", "z" }),
        ("var neg = -v + (-1f);", "neg", new[] { "v" }),
        ("Store(x + o, q + mx + v2 + lt + neg + sc, m);", "", new[] { "o", "q", "mx", "v2", "lt", "neg", "sc", "m" }),
        ("float total = Sum(v) + Max(w);", "total", new[] { "v", "w" }),
        ("var rs = Sum(t, 1) + Max(t, 0) * Min(t, 1, true);", "rs", new[] { "t" }),
        ("var dz = Dot(z, Trans(z), Zeros<float>(B, B));", "dz", new[] { "z" }),
        ("Store(x + c, Trans(dz) * 2f, c < n);", "", new[] { "c", "dz" }),
        ("var am = Argmax(t, 1);", "am", new[] { "t" }),
        ("AtomicAdd(x + o, v, m);", "", new[] { "o", "v", "m" }),
        ("for (int k2 = 0; k2 < n; k2++) { z = Dot(Load(x + c, c < n), z, z) + Max(z, 1, true); }", "", new[] { "c", "z" }),
    };

    /// <summary>Statements the generator must reject with a diagnostic.</summary>
    private static readonly string[] Invalid =
    {
        "while (n > 0) { }",
        "System.Console.WriteLine(n);",
        "var bad = Arange(0, n);",
        "var mis = Arange(0, 32) + Arange(0, 64);",
        "var arr = new int[3];",
        "return;",
        "try { } finally { }",
        "var big = Zeros<double>(512, 512);",
    };

    private static readonly string[] Fragments = Valid.Select(f => f.Code).Concat(Invalid).ToArray();

    /// <summary>The chosen valid statements plus every statement declaring what they read, in program order.</summary>
    private static int[] Closure(bool[] chosen)
    {
        var take = (bool[])chosen.Clone();
        for (int i = Valid.Length - 1; i >= 0; i--)
        {
            if (!take[i]) continue;
            foreach (var use in Valid[i].Uses) take[System.Array.FindIndex(Valid, f => f.Declares == use)] = true;
        }
        return Enumerable.Range(0, Valid.Length).Where(i => take[i]).ToArray();
    }

    /// <summary>Fragments in any order, repeated: mostly C# errors, which the generator must survive silently.</summary>
    [Fact]
    public void Random_sequences_never_crash_the_generator()
        => Check(Gen.Int[0, Fragments.Length - 1].Array[1, 10], iterations: 100);

    /// <summary>Ordered subsets keep declarations before uses: mostly valid C#, so the generated code is compiled.</summary>
    [Fact]
    public void Ordered_subsets_generate_code_that_compiles()
    {
        var programs = Gen.Select(Gen.Bool.Array[Valid.Length], Gen.Int[-Invalid.Length * 3, Invalid.Length - 1], (chosen, invalid) =>
            invalid < 0 ? Closure(chosen) : Closure(chosen).Append(Valid.Length + invalid).ToArray());
        int generated = Check(programs, iterations: 150);
        Assert.True(generated >= 10, $"Only {generated} of 150 random kernels reached code generation; the fuzzer is not exercising the emitter.");
    }

    private static int Check(Gen<int[]> programs, int iterations)
    {
        int generated = 0;
        programs.Sample(picks =>
        {
            string body = string.Join("\n        ", picks.Select(i => Fragments[i]));
            string source = $$"""
                using TileDsl;
                using static TileDsl.Tl;

                public static partial class Fuzz
                {
                    [TileKernel(NumWarps = 2)]
                    public static void K(Ptr<float> x, Ptr<int> y, int n, float s, [Constexpr(32, 64)] int B)
                    {
                        {{body}}
                    }
                }
                """;
            var input = TestCompilation.Create(source);
            var (result, output) = TestCompilation.Run(source);
            Assert.Null(result.Exception);
            Assert.All(result.Diagnostics, d => Assert.StartsWith("TD", d.Id));
            Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id is "CS8784" or "CS8785");
            bool inputCompiles = !TestCompilation.Errors(input).Any();
            if (inputCompiles && result.Diagnostics.IsEmpty)
            {
                Assert.Single(result.GeneratedSources);
                var errors = TestCompilation.Errors(output);
                Assert.True(errors.IsEmpty, $"Generated code does not compile for:\n{body}\n{string.Join("\n", errors)}");
                generated++;
            }
        }, iter: iterations, threads: 1);
        return generated;
    }
}
