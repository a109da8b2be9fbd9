using System;
using System.Linq;
using ILGPU;
using TileDsl.Kernels.Tutorials;
using TileDsl.Tests.Support;
using Half = System.Half;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// Dots of bf16 and fp16 tiles, which run on tensor cores: on the CPU accelerator the generated code runs TileMma's
/// emulation of ldmatrix and mma.sync with the hardware's placement of every element (so a wrong lane address or
/// register order fails here); against float64 references of the same 16-bit inputs, ragged sizes, NaN-poisoned outputs.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TensorCoreTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Transposed_operands_go_through_ldmatrix_trans(Runner runner)
    {
        const int m = 61, n = 29, k = 27;
        var random = new Random(41);
        var aT = Reference.RandomFloats(random, k * m).Select(v => (Half)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (Half)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        if (runner == Runner.Interpreter)
        {
            TensorCoreKernels.TransposedDotKernel.Interpret(1, aT, b, c, m, n, k);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            TensorCoreKernels.TransposedDotKernel.Launch(cpu.Accelerator, 1, d.View(aT), d.View(b), d.View(c), m, n, k);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (double)aT[l * m + i], (l, j) => (double)b[l * n + j]);
        // fp16 products are exact in float; 27 float additions of terms ≤ 1: error ≤ 27 · 2^-24 · 27 ≈ 4.3e-5.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 5e-5, what: "c");
    }

    /// <summary>
    /// The tutorial matmul in bf16 through its host API; C rounded once to bf16. 130 × 40 × 100 with 32 × 128 blocks
    /// and 64 steps of k per iteration (4 warps of 32 × 32: 2 row blocks, 2 pairs of column blocks, 4 steps of k per
    /// Dot): k in two iterations, the last one masked, n a masked part of one block. 48 × 48 × 96 with 32 × 32 × 32
    /// blocks: every int argument a multiple of 16 and the views aligned, so that the kernel for divisible arguments
    /// runs (its copies and stores tested by their first mask only), the second row and column blocks half masked, k in
    /// 3 steps through the 3-stage pipeline.
    /// </summary>
    [Theory]
    [InlineData(Runner.Interpreter, 130, 40, 100, 32, 128, 64)]
    [InlineData(Runner.CpuAccelerator, 130, 40, 100, 32, 128, 64)]
    [InlineData(Runner.Interpreter, 48, 48, 96, 32, 32, 32)]
    [InlineData(Runner.CpuAccelerator, 48, 48, 96, 32, 32, 32)]
    public void BFloat16_matmul_rounds_the_float_sum_once(Runner runner, int m, int n, int k, int bm, int bn, int bk)
    {
        var random = new Random(42);
        var a = Reference.RandomFloats(random, m * k).Select(v => (BFloat16)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (BFloat16)v).ToArray();
        var c = Reference.Poisoned(m * n, (BFloat16)float.NaN);
        var blocks = new Matmul.Blocks(bm, bn, bk);
        if (runner == Runner.Interpreter)
        {
            Matmul.Run(a, b, c, m, n, k, blocks);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            Matmul.Run(cpu.Accelerator.DefaultStream, d.View(a), d.View(b), d.View(c), m, n, k, blocks);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (float)a[i * k + l], (l, j) => (float)b[l * n + j]);
        // The float sum is off by at most k · 2^-24 · k ≤ 100 · 2^-24 · 100 ≈ 6e-4; rounding it to bf16 adds at most 2^-9 of it.
        Reference.AssertClose(expected, i => (float)c[i], m * n, rtol: 1.0 / 256, atol: 1e-3, what: "c");
    }

    /// <summary>
    /// A 3-stage software pipeline over 5 steps of k (k = 75: the last step masked, two copies issued past the end of
    /// the loop), 3 programs of 32 rows (m = 70: the last one masked), n = 24 of a 32-column block; a's rows either
    /// packed or 77 elements apart from element 1 (no vector is aligned: every copy goes element by element).
    /// </summary>
    [Theory]
    [InlineData(Runner.Interpreter, 75, 0)]
    [InlineData(Runner.CpuAccelerator, 75, 0)]
    [InlineData(Runner.CpuAccelerator, 77, 1)]
    public void Pipelined_dot_reads_each_step_from_its_stage(Runner runner, int lda, int aOffset)
    {
        const int m = 70, n = 24, k = 75;
        var random = new Random(43);
        var a = Reference.RandomFloats(random, aOffset + m * lda).Select(v => (Half)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (Half)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        var grid = new TileGrid(3);
        if (runner == Runner.Interpreter)
        {
            TensorCoreKernels.PipelinedDotKernel.Interpret(grid, a, b, c, m, n, k, lda, aOffset);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            TensorCoreKernels.PipelinedDotKernel.Launch(cpu.Accelerator, grid, d.View(a), d.View(b), d.View(c), m, n, k, lda, aOffset);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (double)a[aOffset + i * lda + l], (l, j) => (double)b[l * n + j]);
        // fp16 products are exact in float; 75 float additions of terms ≤ 1: error ≤ 75 · 2^-24 · 75 ≈ 3.4e-4.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 4e-4, what: "c");
    }

    /// <summary>A loaded tile with a second reader is not pipelined; the other operand is, and both runners agree.</summary>
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void A_pipeline_leaves_a_tile_with_other_readers_in_the_loop(Runner runner)
    {
        const int m = 40, n = 32, k = 48;
        var random = new Random(44);
        var a = Reference.RandomFloats(random, m * k).Select(v => (Half)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (Half)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        var grid = new TileGrid(2);
        if (runner == Runner.Interpreter)
        {
            TensorCoreKernels.PartlyPipelinedDotKernel.Interpret(grid, a, b, c, m, n, k);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            TensorCoreKernels.PartlyPipelinedDotKernel.Launch(cpu.Accelerator, grid, d.View(a), d.View(b), d.View(c), m, n, k);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (double)a[i * k + l], (l, j) => (double)b[l * n + j]);
        for (int i = 0; i < m; i++)
            for (int l = 0; l < k; l++) expected[i * n] += (double)a[i * k + l];
        // Dot: 48 additions of terms ≤ 1 (≤ 1.5e-4); the row sums add 48 terms ≤ 1 in float once more.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 3e-4, what: "c");
    }

    /// <summary>
    /// The Hopper kernels (wgmma) on the CPU accelerator, through their emulation (<c>TensorCores.Use(Wgmma)</c>): the
    /// operands staged 128-byte swizzled through the 3-stage pipeline, every accumulator computed from the swizzled
    /// stages at its register's place (warp w of a warpgroup: rows 16w to 16w + 15), so a wrong swizzle, stage or
    /// placement fails here. 8 warps: two warpgroups along M, 128 (or 256) columns each. 130 × 136 × 100: masked rows,
    /// columns and k (the general kernel); 256 × 128 × 192: every argument a multiple of 16 (the kernel for divisible
    /// arguments); 100 × 200 × 70 on 128 × 256 blocks (wgmma m64n256k16). The launcher is shown to have loaded the
    /// Hopper kernel it should have.
    /// </summary>
    [Theory]
    [InlineData(false, 130, 136, 100, 128)]
    [InlineData(false, 256, 128, 192, 128)]
    [InlineData(false, 100, 200, 70, 256)]
    [InlineData(true, 130, 136, 100, 128)]
    public void Hopper_matmul_reads_swizzled_stages(bool fp16, int m, int n, int k, int bn)
    {
        var random = new Random(45);
        var a32 = Reference.RandomFloats(random, m * k);
        var b32 = Reference.RandomFloats(random, k * n);
        var blocks = new Matmul.Blocks(128, bn, 64);
        bool divisible = m % 16 == 0 && n % 16 == 0 && k % 16 == 0;
        string kernel = $"{(fp16 ? "Fp16" : "Bf16")}_BM128_BN{bn}_BK64_GROUP_M8_Hopper{(divisible ? "_Divisible" : "")}Cache";
        var (expected, c) = fp16
            ? Run(v => (Half)v, v => (float)v, Half.NaN, (a, b, c16) => Matmul.Run(cpu.Accelerator.DefaultStream, a, b, c16, m, n, k, blocks), typeof(Matmul.Fp16Kernel))
            : Run(v => (BFloat16)v, v => (float)v, (BFloat16)float.NaN, (a, b, c16) => Matmul.Run(cpu.Accelerator.DefaultStream, a, b, c16, m, n, k, blocks), typeof(Matmul.Bf16Kernel));

        // One type's run under TensorCorePath.Wgmma: the float64 reference of its 16-bit inputs and C widened to float.
        (double[], float[]) Run<T>(Func<float, T> round, Func<T, float> widen, T nan, Action<ArrayView<T>, ArrayView<T>, ArrayView<T>> run, Type launcher)
            where T : unmanaged
        {
            var (a, b, c16) = (a32.Select(round).ToArray(), b32.Select(round).ToArray(), Reference.Poisoned(m * n, nan));
            using (TensorCores.Use(TensorCorePath.Wgmma))
            using (var d = new DeviceArrays(cpu.Accelerator))
            {
                run(d.View(a), d.View(b), d.View(c16));
                d.CopyBack();
            }
            Assert.True(KernelCaches.Loaded(launcher, kernel, cpu.Accelerator));
            return (Reference.Matmul(m, n, k, (i, l) => widen(a[i * k + l]), (l, j) => widen(b[l * n + j])), c16.Select(widen).ToArray());
        }
        // The float sum is off by at most k · 2^-24 · k ≤ 192 · 2^-24 · 192 ≈ 2.2e-3 (terms ≤ 1); rounding it to 16 bits
        // adds at most 2^-9 (bf16) or 2^-12 (fp16) of it.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: fp16 ? 1.0 / 2048 : 1.0 / 256, atol: 3e-3, what: "c");
    }

    /// <summary>The transposed operands (M-major a, K-major b: wgmma's transpose flags the other way round) through
    /// mma.sync and through the Hopper kernel's emulation, staged as the Dot reads them and through a 3-stage pipeline
    /// (each load copied through its Trans); 100 × 70 × 150: masked rows, columns and k.</summary>
    [Theory]
    [InlineData(TensorCorePath.MmaSync, false)]
    [InlineData(TensorCorePath.Wgmma, false)]
    [InlineData(TensorCorePath.MmaSync, true)]
    [InlineData(TensorCorePath.Wgmma, true)]
    public void Transposed_operands_on_either_tensor_core_path(TensorCorePath path, bool pipelined)
    {
        const int m = 100, n = 70, k = 150;
        var random = new Random(46);
        var aT = Reference.RandomFloats(random, k * m).Select(v => (Half)v).ToArray();
        var bT = Reference.RandomFloats(random, n * k).Select(v => (Half)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        var grid = new TileGrid(2, 2);
        using (TensorCores.Use(path))
        using (var d = new DeviceArrays(cpu.Accelerator))
        {
            if (pipelined) TensorCoreKernels.PipelinedTransposedOperandsDotKernel.Launch(cpu.Accelerator, grid, d.View(aT), d.View(bT), d.View(c), m, n, k);
            else TensorCoreKernels.TransposedOperandsDotKernel.Launch(cpu.Accelerator, grid, d.View(aT), d.View(bT), d.View(c), m, n, k);
            d.CopyBack();
        }
        string kernel = pipelined ? "PipelinedTransposedOperandsDot" : "TransposedOperandsDot";
        var launcher = pipelined ? typeof(TensorCoreKernels.PipelinedTransposedOperandsDotKernel) : typeof(TensorCoreKernels.TransposedOperandsDotKernel);
        Assert.True(KernelCaches.Loaded(launcher, path == TensorCorePath.Wgmma ? $"{kernel}_HopperCache" : $"{kernel}Cache", cpu.Accelerator));
        var expected = Reference.Matmul(m, n, k, (i, l) => (double)aT[l * m + i], (l, j) => (double)bT[j * k + l]);
        // fp16 products are exact in float; 150 float additions of terms ≤ 1: error ≤ 150 · 2^-24 · 150 ≈ 1.3e-3.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 1.5e-3, what: "c");
    }

    /// <summary>
    /// The tutorial matmul at tf32, run by the kernels themselves: <see cref="Matmul.Tf32"/> stages a and b k-major (b
    /// transposed on its way into the stages, one element a copy), ldmatrix of 32-bit rows and mma.sync m16n8k8 (4 warps
    /// of 16 × 64 on 32 × 128 blocks), or the Hopper kernel's emulation (wgmma m64n128k8 on 128 × 128 blocks, 8 warps);
    /// 130 × 136 × 100: masked rows, columns and k (the general kernels); 96 × 64 × 96 on the Hopper path: every argument
    /// a multiple of 16 (the kernel for divisible arguments). With <paramref name="transposedB"/>,
    /// <see cref="Matmul.Tf32TransposedB"/> from Bᵀ (both operands copied 16 bytes at a time, b through its Trans).
    /// Against float64 of the operands truncated to tf32, which the interpreter models (<see cref="AssertTf32Product"/>).
    /// </summary>
    [Theory]
    [InlineData(Runner.Interpreter, TensorCorePath.Auto, 70, 50, 60, 32, 32, false)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.MmaSync, 130, 136, 100, 32, 128, false)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.Wgmma, 130, 136, 100, 128, 128, false)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.Wgmma, 96, 64, 96, 128, 128, false)]
    [InlineData(Runner.Interpreter, TensorCorePath.Auto, 70, 50, 60, 32, 32, true)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.MmaSync, 70, 50, 60, 32, 32, true)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.Wgmma, 130, 136, 100, 128, 128, true)]
    public void Tf32_matmul_truncates_its_operands(Runner runner, TensorCorePath path, int m, int n, int k, int bm, int bn, bool transposedB)
    {
        var random = new Random(47);
        var a = Reference.RandomFloats(random, m * k);
        var b = Reference.RandomFloats(random, k * n);
        var given = transposedB ? Enumerable.Range(0, n * k).Select(i => b[i % k * n + i / k]).ToArray() : b; // Bᵀ [N, K]
        var c = Reference.Poisoned(m * n, float.NaN);
        var grid = Tl.Cdiv(m, bm) * Tl.Cdiv(n, bn);
        TileBuffer<float> ga = a, gb = given, gc = c;
        TileTarget target = TileTarget.Interpreter;
        using var scope = TensorCores.Use(path);
        using var d = runner == Runner.Interpreter ? null : new DeviceArrays(cpu.Accelerator);
        if (d is not null) (target, ga, gb, gc) = (cpu.Accelerator.DefaultStream, d.View(a), d.View(given), d.View(c));
        if (transposedB)
            Matmul.Tf32TransposedBKernel.Run(target, grid, new Matmul.Tf32TransposedBKernel.Args(ga, gb, gc, m, n, k, k, k, n, bm, bn, 32, 8));
        else
            Matmul.Tf32Kernel.Run(target, grid, new Matmul.Tf32Kernel.Args(ga, gb, gc, m, n, k, k, n, n, bm, bn, 32, 8));
        if (d is not null)
        {
            d.CopyBack();
            bool divisible = m % 16 == 0 && n % 16 == 0 && k % 16 == 0;
            string name = transposedB ? "Tf32TransposedB" : "Tf32";
            string kernel = $"{name}_BM{bm}_BN{bn}_BK32_GROUP_M8{(path == TensorCorePath.Wgmma ? "_Hopper" : "")}{(divisible ? "_Divisible" : "")}Cache";
            Assert.True(KernelCaches.Loaded(transposedB ? typeof(Matmul.Tf32TransposedBKernel) : typeof(Matmul.Tf32Kernel), kernel, cpu.Accelerator));
        }
        AssertTf32Product(a, b, c, m, n, k);
    }

    /// <summary>
    /// The host API at tf32 with a row-major B (<see cref="Matmul.Run(ILGPU.Runtime.AcceleratorStream, ArrayView{float}, ArrayView{float}, ArrayView{float}, int, int, int, Matmul.Blocks?, InputPrecision, bool, ArrayView{float})"/>):
    /// B transposed into the workspace by <see cref="Matmul.Transpose"/> (130 × 100: ragged 64 × 64 tiles), then
    /// <see cref="Matmul.Tf32TransposedB"/> (its Hopper variant is <see cref="Tf32_matmul_truncates_its_operands"/>'s);
    /// with a workspace given and without (allocated by the call), on the interpreter and the CPU accelerator. The
    /// workspace is poisoned: every element the product reads must have been written.
    /// </summary>
    [Theory]
    [InlineData(Runner.Interpreter, false)]
    [InlineData(Runner.CpuAccelerator, true)]
    [InlineData(Runner.CpuAccelerator, false)]
    public void Tf32_matmul_of_a_row_major_b_transposes_it_first(Runner runner, bool workspaceGiven)
    {
        const int m = 70, n = 130, k = 100;
        var random = new Random(53);
        var a = Reference.RandomFloats(random, m * k);
        var b = Reference.RandomFloats(random, k * n);
        var c = Reference.Poisoned(m * n, float.NaN);
        var blocks = new Matmul.Blocks(32, 128, 32);
        if (runner == Runner.Interpreter)
        {
            Matmul.Run(a, b, c, m, n, k, blocks, InputPrecision.Tf32);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            var workspace = workspaceGiven ? d.View(Reference.Poisoned(n * k, float.NaN)) : default;
            Matmul.Run(cpu.Accelerator.DefaultStream, d.View(a), d.View(b), d.View(c), m, n, k, blocks, InputPrecision.Tf32, workspace: workspace);
            d.CopyBack();
            Assert.True(KernelCaches.Loaded(typeof(Matmul.TransposeKernel), "Transpose_BLOCK64Cache", cpu.Accelerator));
            Assert.True(KernelCaches.Loaded(typeof(Matmul.Tf32TransposedBKernel), "Tf32TransposedB_BM32_BN128_BK32_GROUP_M8Cache", cpu.Accelerator));
        }
        AssertTf32Product(a, b, c, m, n, k);
    }

    /// <summary>A workspace shorter than Bᵀ is refused before anything runs, naming it.</summary>
    [Fact]
    public void Tf32_matmul_refuses_a_short_workspace()
    {
        using var d = new DeviceArrays(cpu.Accelerator);
        var c = Reference.Poisoned(4 * 4, float.NaN);
        var error = Assert.Throws<ArgumentException>(() => Matmul.Run(cpu.Accelerator.DefaultStream, d.View(new float[16]), d.View(new float[16]), d.View(c), 4, 4, 4,
            inputPrecision: InputPrecision.Tf32, workspace: d.View(new float[15])));
        Assert.Equal("workspace", error.ParamName);
        d.CopyBack();
        Assert.All(c, v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>A short Bᵀ is named as given ([N, K]), at tf32 and in fp32, before anything runs.</summary>
    [Theory]
    [InlineData(InputPrecision.Tf32)]
    [InlineData(InputPrecision.Ieee)]
    public void A_short_transposed_b_is_named_as_given(InputPrecision precision)
    {
        var c = Reference.Poisoned(4 * 3, float.NaN);
        var error = Assert.Throws<ArgumentException>(() => Matmul.Run(new float[16], new float[11], c, 4, 3, 4, inputPrecision: precision, transposedB: true));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("Bᵀ [3, 4] needs 12", error.Message);
        Assert.All(c, v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>
    /// C against float64 of the operands truncated to tf32, which the interpreter models; the result must also be
    /// visibly off the full-precision product, or the truncation did not happen.
    /// </summary>
    private static void AssertTf32Product(float[] a, float[] b, float[] c, int m, int n, int k)
    {
        var truncated = Reference.Matmul(m, n, k, (i, l) => TileMath.TruncateToTf32(a[i * k + l]), (l, j) => TileMath.TruncateToTf32(b[l * n + j]));
        // tf32 products are exact in float (11 × 11 significant bits); k float additions of terms ≤ 1: error ≤ k · 2^-24 · k ≤ 6e-4.
        Reference.AssertClose(truncated, i => c[i], m * n, rtol: 0, atol: 6e-4, what: "c");
        var full = Reference.Matmul(m, n, k, (i, l) => a[i * k + l], (l, j) => b[l * n + j]);
        Assert.True(Enumerable.Range(0, m * n).Max(i => Math.Abs(full[i] - c[i])) > 2e-3, "the result is as close to the fp32 product as IEEE: were the operands truncated?");
    }

    /// <summary>tf32 keeps sign, exponent and the top 10 mantissa bits of a float (the tensor cores' reading), NaN stays NaN.</summary>
    [Fact]
    public void Tf32_truncation_keeps_ten_mantissa_bits()
    {
        Assert.Equal(1f, TileMath.TruncateToTf32(1f + 3 * MathF.Pow(2, -12)));
        Assert.Equal(1f + MathF.Pow(2, -10), TileMath.TruncateToTf32(1f + MathF.Pow(2, -10) + MathF.Pow(2, -11)));
        Assert.Equal(-3.140625f, TileMath.TruncateToTf32(-MathF.PI));
        Assert.Equal(float.PositiveInfinity, TileMath.TruncateToTf32(float.PositiveInfinity));
        Assert.True(float.IsNaN(TileMath.TruncateToTf32(BitConverter.Int32BitsToSingle(0x7F800001))));
    }

    /// <summary>The tensor-core path is scoped (nested scopes restore the outer one, Auto outside any) and checks its argument.</summary>
    [Fact]
    public void Tensor_core_path_scopes_nest_and_check_their_argument()
    {
        Assert.Equal(TensorCorePath.Auto, TensorCores.Path);
        Assert.False(TileMma.UsesWgmma(cpu.Accelerator));
        using (TensorCores.Use(TensorCorePath.Wgmma))
        {
            Assert.True(TileMma.UsesWgmma(cpu.Accelerator));
            using (TensorCores.Use(TensorCorePath.MmaSync)) Assert.False(TileMma.UsesWgmma(cpu.Accelerator));
            Assert.Equal(TensorCorePath.Wgmma, TensorCores.Path);
        }
        Assert.Equal(TensorCorePath.Auto, TensorCores.Path);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TensorCores.Use((TensorCorePath)7));
        Assert.Equal("path", error.ParamName);
    }
}
