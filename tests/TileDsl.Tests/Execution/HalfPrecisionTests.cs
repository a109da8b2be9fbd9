using System;
using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using TileDsl.Tests.Support;
using Half = System.Half;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// bfloat16 and half precision: the conversions against .NET's Half and an independent rounding written with doubles,
/// and kernels whose 16-bit results are checked against float64 references rounded the same way (each op of a
/// 16-bit tile is the correctly rounded result), identical in the interpreter and on the CPU accelerator.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class HalfPrecisionTests(CpuAccelerator cpu)
{
    /// <summary>v rounded to <paramref name="bits"/> significant bits, ties to even (normal range only): exact in double.</summary>
    private static double RoundSignificand(double v, int bits)
    {
        if (v == 0 || !double.IsFinite(v)) return v;
        double scale = Math.ScaleB(1.0, bits - 1 - Math.ILogB(v));
        return Math.Round(v * scale, MidpointRounding.ToEven) / scale;
    }

    private static double Bf16(double v) => RoundSignificand(v, 8);

    private static double F16(double v) => RoundSignificand(v, 11);

    [Fact]
    public void Half_conversions_match_dotnet_for_every_half_and_random_floats()
    {
        for (int bits = 0; bits < 65536; bits++)
        {
            var half = BitConverter.UInt16BitsToHalf((ushort)bits);
            float expected = (float)half, actual = TileMath.HalfToFloat((ushort)bits);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"bits {bits:X4}");
            if (!float.IsNaN(expected)) Assert.Equal((ushort)bits, TileMath.FloatToHalf(actual));
        }
        var random = new Random(31);
        for (int i = 0; i < 1_000_000; i++)
        {
            // Exponents around fp16's range (subnormals, overflow and ties included), random mantissas.
            float x = BitConverter.UInt32BitsToSingle((uint)random.Next() & 0x807FFFFFu | (uint)random.Next(96, 146) << 23);
            if (i % 7 == 0) x = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(x) & 0xFFFFF000u | 0x1000u); // exact ties
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), TileMath.FloatToHalf(x));
        }
        Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(TileMath.FloatToHalf(float.NaN))));
    }

    [Fact]
    public void BFloat16_conversion_rounds_to_nearest_even()
    {
        var random = new Random(32);
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = BitConverter.UInt32BitsToSingle((uint)random.Next() & 0x807FFFFFu | (uint)random.Next(1, 255) << 23);
            if (i % 5 == 0) x = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(x) & 0xFFFF0000u | 0x8000u); // exact ties
            double expected = Bf16(x);
            float actual = (float)BFloat16.FromBits(TileMath.FloatToBFloat16(x));
            if (Math.Abs(expected) > 3.3895313892515355e38) Assert.True(float.IsInfinity(actual) && Math.Sign(actual) == Math.Sign(x), $"{x:R} should overflow");
            else Assert.Equal(expected, (double)actual);
        }
        Assert.Equal(0x3F80, TileMath.FloatToBFloat16(1f));
        Assert.Equal(0x3F80, TileMath.FloatToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000u))); // tie to even: down
        Assert.Equal(0x3F82, TileMath.FloatToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000u))); // tie to even: up
        Assert.Equal(0, TileMath.FloatToBFloat16(1e-45f) & 0x7FFF); // the smallest float subnormal rounds to zero
        Assert.True(float.IsNaN((float)(BFloat16)float.NaN));
        Assert.Equal(float.NegativeInfinity, (float)(BFloat16)(-3.4e38f));
    }

    /// <summary>The float64 meaning of the Ops kernel for one 16-bit type, rounding each op's result as <paramref name="round"/> does.</summary>
    private static (double[] Planes, double[] AsFloat, double[] Sums) OpsReference(double[] a, double[] b, int n, int block, Func<double, double> round)
    {
        var planes = new double[6 * n];
        for (int i = 0; i < n; i++)
        {
            planes[i] = round(a[i] + b[i]);
            planes[n + i] = round(round(a[i] * b[i]) - a[i]);
            planes[2 * n + i] = a[i] > b[i] ? a[i] : round(b[i] / a[i]);
            planes[3 * n + i] = Math.Max(a[i], b[i]);
            planes[4 * n + i] = round((float)(a[i] * 3)); // float product (exact here), then rounded
            int start = i / block * block;
            double running = 0;
            for (int j = start; j <= i; j++) running += a[j];
            planes[5 * n + i] = round(running);
        }
        var sums = Enumerable.Range(0, (n + block - 1) / block).Select(p => round(a.Skip(p * block).Take(Math.Min(block, n - p * block)).Sum())).ToArray();
        return (planes, a.ToArray(), sums);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Elementwise_ops_conversions_and_reductions_are_rounded_per_op_and_agree_between_interpreter_and_CPU(bool bfloat16)
    {
        const int n = 150, block = 64, programs = 3;
        var random = new Random(33);
        // Values in ±[0.25, 4): b / a stays finite.
        double[] Values() => Enumerable.Range(0, n).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (0.25 + 3.75 * random.NextDouble())).ToArray();
        Func<double, double> round = bfloat16 ? Bf16 : F16;
        var a = Values().Select(round).ToArray();
        var b = Values().Select(round).ToArray();
        var (planes, asFloat, sums) = OpsReference(a, b, n, block, round);

        var results = new (double[] Planes, float[] AsFloat, double[] Sums)[2];
        foreach (var runner in new[] { Runner.Interpreter, Runner.CpuAccelerator })
        {
            var f = Reference.Poisoned(n, float.NaN);
            results[(int)runner] = bfloat16
                ? Run(a.Select(v => (BFloat16)(float)v).ToArray(), b.Select(v => (BFloat16)(float)v).ToArray(), (BFloat16)float.NaN, f, runner,
                    (x, y, o, s) => HalfPrecisionKernels.BFloat16OpsKernel.Interpret(programs, x, y, o, f, s, n, block),
                    (d, x, y, o, s) => HalfPrecisionKernels.BFloat16OpsKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(y), d.View(o), d.View(f), d.View(s), n, block))
                : Run(a.Select(v => (Half)v).ToArray(), b.Select(v => (Half)v).ToArray(), Half.NaN, f, runner,
                    (x, y, o, s) => HalfPrecisionKernels.HalfOpsKernel.Interpret(programs, x, y, o, f, s, n, block),
                    (d, x, y, o, s) => HalfPrecisionKernels.HalfOpsKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(y), d.View(o), d.View(f), d.View(s), n, block));
        }
        foreach (var (got, where) in new[] { (results[0], "interpreter"), (results[1], "CPU accelerator") })
        {
            // Each plane is one correctly rounded op (or two) of exactly representable inputs: equal to the reference,
            // except the running sums and block sums, which are float sums of ≤ 64 terms rounded once: within one
            // 16-bit ulp (2^-7 relative for bf16, 2^-10 for fp16) of the float64 sum rounded.
            double ulp = bfloat16 ? 1.0 / 128 : 1.0 / 1024;
            Reference.AssertClose(planes, i => got.Planes[i], 5 * n, rtol: 0, atol: 0, what: $"planes ({where})");
            Reference.AssertClose(planes[(5 * n)..], i => got.Planes[5 * n + i], n, rtol: ulp, atol: ulp, what: $"Cumsum ({where})");
            Reference.AssertClose(asFloat, i => got.AsFloat[i], n, rtol: 0, atol: 0, what: $"To<float> ({where})");
            Reference.AssertClose(sums, i => got.Sums[i], programs, rtol: ulp, atol: ulp, what: $"Sum ({where})");
        }
        // The same bits in the interpreter and on the CPU accelerator, the per-op planes at least (sums may add in another order).
        Assert.Equal(results[0].Planes[..(5 * n)], results[1].Planes[..(5 * n)]);
    }

    private (double[] Planes, float[] AsFloat, double[] Sums) Run<T>(T[] x, T[] y, T poison, float[] f, Runner runner,
        Action<T[], T[], T[], T[]> interpret, Action<DeviceArrays, T[], T[], T[], T[]> launch)
        where T : unmanaged
    {
        var o = Reference.Poisoned(6 * x.Length, poison);
        var s = Reference.Poisoned(3, poison);
        if (runner == Runner.Interpreter)
        {
            interpret(x, y, o, s);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            launch(d, x, y, o, s);
            d.CopyBack();
        }
        static double Value(T v) => v switch { BFloat16 b => (float)b, Half h => (double)h, _ => throw new InvalidOperationException() };
        return (o.Select(Value).ToArray(), f, s.Select(Value).ToArray());
    }

    /// <summary>No GPU here: ILGPU's PTX backend compiles the 16-bit kernels as a CUDA accelerator would load them,
    /// memory as 16-bit loads and stores of the bits.</summary>
    [Fact]
    public void The_16_bit_kernels_compile_to_PTX_with_16_bit_memory_accesses()
    {
        using var context = Context.Create(TileAccelerators.Configure);
        var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null!);
        var fields = typeof(HalfPrecisionKernels).GetNestedTypes()
            .SelectMany(t => t.GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.Name.EndsWith("Cache", StringComparison.Ordinal)))
            .ToList();
        // Four kernels, and the kernels for divisible arguments of those with vector accesses.
        Assert.Equal(4, fields.Count(f => !f.Name.EndsWith("_DivisibleCache", StringComparison.Ordinal)));
        foreach (dynamic cache in fields.Select(f => f.GetValue(null)!))
        {
            MethodInfo method = cache.Method;
            KernelSpecialization specialization = cache.Specialization;
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), specialization);
            Assert.Matches(@"ld\.global(\.v[24])?\.b16", compiled.PTXAssembly);
        }
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void BFloat16_matmul_accumulates_exact_products_in_float(Runner runner)
    {
        const int m = 40, n = 37, k = 45;
        var random = new Random(34);
        var a = Reference.RandomFloats(random, m * k).Select(v => (BFloat16)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (BFloat16)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        var grid = new TileGrid(2, 2);
        if (runner == Runner.Interpreter)
        {
            HalfPrecisionKernels.BFloat16MatmulKernel.Interpret(grid, a, b, c, m, n, k, 32, 32, 16);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            HalfPrecisionKernels.BFloat16MatmulKernel.Launch(cpu.Accelerator, grid, d.View(a), d.View(b), d.View(c), m, n, k, 32, 32, 16);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (float)a[i * k + l], (l, j) => (float)b[l * n + j]);
        // Products of bf16 values are exact in float; 45 float additions of terms ≤ 1: error ≤ 45 · 2^-24 · 45 ≈ 1.2e-4.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 2e-4, what: "c");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Half_dot_without_accumulator_gives_float(Runner runner)
    {
        const int m = 20, n = 30, k = 13;
        var random = new Random(35);
        var a = Reference.RandomFloats(random, m * k).Select(v => (Half)v).ToArray();
        var b = Reference.RandomFloats(random, k * n).Select(v => (Half)v).ToArray();
        var c = Reference.Poisoned(m * n, float.NaN);
        if (runner == Runner.Interpreter)
        {
            HalfPrecisionKernels.HalfDotKernel.Interpret(1, a, b, c, m, n, k);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            HalfPrecisionKernels.HalfDotKernel.Launch(cpu.Accelerator, 1, d.View(a), d.View(b), d.View(c), m, n, k);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => (double)a[i * k + l], (l, j) => (double)b[l * n + j]);
        // Products of fp16 values are exact in float; 13 additions of terms ≤ 1: error ≤ 13 · 2^-24 · 13 ≈ 1e-5.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 2e-5, what: "c");
    }
}
