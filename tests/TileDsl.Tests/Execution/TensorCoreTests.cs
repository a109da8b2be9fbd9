using System;
using System.Linq;
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
    /// The tutorial matmul in bf16 through its host API, 32 × 128 blocks and 64 steps of k per iteration (4 warps of
    /// 32 × 32: 2 row blocks, 2 pairs of column blocks, 4 steps of k per Dot), k = 100 in two iterations, the last one
    /// masked, n = 40 a masked part of one block; C rounded once to bf16.
    /// </summary>
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void BFloat16_matmul_rounds_the_float_sum_once(Runner runner)
    {
        const int m = 130, n = 40, k = 100;
        var random = new Random(42);
        var a = Reference.RandomFloats(random, m * k).Select(v => (BFloat16)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (BFloat16)v).ToArray();
        var c = Reference.Poisoned(m * n, (BFloat16)float.NaN);
        var blocks = new Matmul.Blocks(32, 128, 64);
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
        // The float sum is off by at most 100 · 2^-24 · 100 ≈ 6e-4; rounding it to bf16 adds at most 2^-9 of it.
        Reference.AssertClose(expected, i => (float)c[i], m * n, rtol: 1.0 / 256, atol: 1e-3, what: "c");
    }
}
