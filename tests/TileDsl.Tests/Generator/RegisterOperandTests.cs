using System.Linq;
using System.Text.RegularExpressions;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// What the generated Hopper kernel of an attention-like loop does on CUDA, read from its text: P = f(Q·Kᵀ) reaches
/// P·V in wgmma's registers (packed by cvt, staged only for the CPU's emulation, under emulation-only barriers), and
/// the loop-invariant Q is staged once, before the loop. Results are checked on the CPU accelerator (the emulation) in
/// FlashAttentionBf16Tests and on the GPU by the benchmark.
/// </summary>
public sealed class RegisterOperandTests
{
    private const string Source = """
        using TileDsl;
        using static TileDsl.Tl;
        public static partial class K
        {
            [TileKernel(NumWarps = 8, NumStages = 2)]
            public static void Attention(Ptr<BFloat16> q, Ptr<BFloat16> k, Ptr<BFloat16> v, Ptr<float> o, int n)
            {
                var rm = Arange(0, 128);
                var rd = Arange(0, 64);
                var qTile = Load(q + (rm[.., None] * 64 + rd[None, ..]));
                var acc = Zeros<float>(128, 64);
                for (int start = 0; start < n; start += 64)
                {
                    var rn = start + Arange(0, 64);
                    var kv = rn[.., None] * 64 + rd[None, ..];
                    var p = Exp2(Dot(qTile, Trans(Load(k + kv))) * 0.125f);
                    acc = Dot(p.To<BFloat16>(), Load(v + kv), acc);
                }
                Store(o + (rm[.., None] * 64 + rd[None, ..]), acc);
            }

            [TileKernel(NumWarps = 8, NumStages = 2)]
            public static void OnlineSoftmax(Ptr<BFloat16> q, Ptr<BFloat16> k, Ptr<BFloat16> v, Ptr<float> o, int n)
            {
                var rm = Arange(0, 128);
                var rd = Arange(0, 64);
                var qTile = Load(q + (rm[.., None] * 64 + rd[None, ..]));
                var m = Full(128, float.NegativeInfinity);
                var l = Zeros<float>(128);
                var acc = Zeros<float>(128, 64);
                for (int start = 0; start < n; start += 64)
                {
                    var kv = (start + Arange(0, 64))[.., None] * 64 + rd[None, ..];
                    var s = Dot(qTile, Trans(Load(k + kv)));
                    var mNew = Maximum(m, Max(s, 1));
                    var p = Exp2(s - mNew[.., None]);
                    var alpha = Exp2(m - mNew);
                    l = l * alpha + Sum(p, 1);
                    acc = Dot(p.To<BFloat16>(), Load(v + kv), acc * alpha[.., None]);
                    m = mNew;
                }
                Store(o + (rm[.., None] * 64 + rd[None, ..]), acc / l[.., None]);
            }
        }
        """;

    [Fact]
    public void P_reaches_its_dot_in_registers_and_q_is_staged_once()
    {
        var (result, output) = TestCompilation.Run(Source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        string text = result.GeneratedSources.Single(g => g.HintName.Contains(".Attention.")).SourceText.ToString();
        var hopper = Regex.Split(text, @"\n\s*private static void ").Skip(1).Where(k => k.StartsWith("Attention_Hopper", System.StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(hopper);
        foreach (var kernel in hopper)
        {
            string loop = kernel.Substring(kernel.IndexOf("for (int start", System.StringComparison.Ordinal));
            // P·V: 4 steps of k, 4 fragments each, packed by cvt and read by the register form.
            Assert.Equal(16, Regex.Matches(loop, @"cvt\.rn\.bf16x2\.f32 tdA\d+").Count);
            Assert.Equal(4, Regex.Matches(loop, @"wgmma\.mma_async[^""]*\{tdA\d+, tdA\d+, tdA\d+, tdA\d+\}, %0, 1, 1, 1, [01];").Count);
            // The staging of P and the barrier between it and its read run off CUDA only; one barrier per iteration is left.
            Assert.Contains("if (!CudaAsm.IsSupported) Group.Barrier();", loop);
            Assert.Single(Regex.Matches(loop, @"^\s*Group\.Barrier\(\);", RegexOptions.Multiline));
            // Q's staging (a of the first Dot) precedes the loop.
            string before = kernel.Substring(0, kernel.IndexOf("for (int start", System.StringComparison.Ordinal));
            Assert.Contains("// dot: a, k-major [128][64] 128-byte swizzled, BFloat16", before);
            Assert.DoesNotContain("// dot: a,", loop);
            // S = Q·Kᵀ has no accumulator: its first wgmma step takes scale-d 0 (d = a·b), no zeros are moved in.
            Assert.Single(Regex.Matches(loop, @"wgmma\.mma_async[^""]*\}, %0, %1, 0, 1, 1, 0, 0;"));
            Assert.DoesNotContain("0f00000000", loop);
        }
    }

    [Fact]
    public void A_rescaled_accumulator_stays_in_the_ptx_registers()
    {
        var (result, output) = TestCompilation.Run(Source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        string text = result.GeneratedSources.Single(g => g.HintName.Contains(".OnlineSoftmax.")).SourceText.ToString();
        var kernels = Regex.Split(text, @"\n\s*private static void ").Skip(1).Where(k => k.StartsWith("OnlineSoftmax", System.StringComparison.Ordinal)).ToList();
        Assert.Contains(kernels, k => k.StartsWith("OnlineSoftmax_Hopper", System.StringComparison.Ordinal));
        Assert.Contains(kernels, k => !k.Contains("_Hopper"));
        foreach (var kernel in kernels)
        {
            int loopAt = kernel.IndexOf("for (int start", System.StringComparison.Ordinal);
            int loopEnd = ClosingBrace(kernel, kernel.IndexOf('{', loopAt));
            string before = kernel.Substring(0, loopAt), loop = kernel.Substring(loopAt, loopEnd - loopAt), after = kernel.Substring(loopEnd);
            // acc · alpha multiplied in the PTX registers: 32 of them a thread (128 × 64 on 256 threads), 8 a statement.
            var rescaled = Regex.Matches(loop, @"mul\.f32 tdC(\d+), tdC\1, %\d;").Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Equal(32, rescaled.Count);
            // They enter before the loop and leave after it, never inside it; the product's registers are 0 on CUDA.
            Assert.All(rescaled, r => Assert.Contains($"tdC{r}, %", before));
            Assert.All(rescaled, r => Assert.Contains($"%0, tdC{r};", after));
            Assert.DoesNotContain(Regex.Matches(loop, @"mov\.f32 %0, tdC(\d+);").Select(m => m.Groups[1].Value), rescaled.Contains);
            Assert.DoesNotContain(Regex.Matches(loop, @"mov\.f32 tdC(\d+), %\d;").Select(m => m.Groups[1].Value), rescaled.Contains);
            Assert.Matches(@"if \(CudaAsm\.IsSupported\)\s*\{\s*\w+_0 = 0f;", loop);
        }
    }

    /// <summary>The index of the brace that closes the one at <paramref name="open"/> (the generated strings hold balanced braces).</summary>
    private static int ClosingBrace(string code, int open)
    {
        int depth = 0;
        for (int i = open; i < code.Length; i++)
        {
            if (code[i] == '{') depth++;
            else if (code[i] == '}' && --depth == 0) return i;
        }
        throw new System.InvalidOperationException("Unbalanced braces.");
    }
}
