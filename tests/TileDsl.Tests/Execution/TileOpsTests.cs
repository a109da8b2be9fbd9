using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Math ops, reductions, Trans, AtomicAdd and a chunked Dot in the interpreter and on the CPU accelerator against float64 references.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TileOpsTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Reductions_along_each_axis_match_reference(Runner runner)
    {
        const int rows = 13, cols = 50;
        var x = Reference.RandomFloats(new Random(11), rows * cols);
        x[3 * cols + 7] = x[3 * cols + 9] = 5f; // a tie in row 3: Argmax takes the first
        var colSums = Reference.Poisoned(64, float.NaN);
        var rowMax = Reference.Poisoned(16, float.NaN);
        var colMin = Reference.Poisoned(64, float.NaN);
        var rowArgmax = Reference.Poisoned(16, -1);
        var total = Reference.Poisoned(1, float.NaN);
        var best = Reference.Poisoned(1, -1);

        if (runner == Runner.Interpreter)
        {
            ReductionKernels.AxesKernel.Interpret(1, x, colSums, rowMax, colMin, rowArgmax, total, best, rows, cols);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            ReductionKernels.AxesKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(colSums), d.View(rowMax), d.View(colMin), d.View(rowArgmax),
                d.View(total), d.View(best), rows, cols);
            d.CopyBack();
        }

        double At(int i, int j) => x[i * cols + j];
        var sums = Enumerable.Range(0, 64).Select(j => j < cols ? Enumerable.Range(0, rows).Sum(i => At(i, j)) : 0).ToArray();
        // Sums of 13 (or 650) values of magnitude ≤ 2 in float: rounding error ≤ n·2^-24·Σ|x|, far below 1e-4.
        Reference.AssertClose(sums, j => colSums[j], 64, rtol: 0, atol: 1e-4, written: j => j < cols, what: "colSums");
        Reference.AssertClose(Enumerable.Range(0, 16).Select(i => i < rows ? Enumerable.Range(0, cols).Max(j => At(i, j)) : 0).ToArray(),
            i => rowMax[i], 16, rtol: 0, atol: 0, written: i => i < rows, what: "rowMax");
        Reference.AssertClose(Enumerable.Range(0, 64).Select(j => j < cols ? Enumerable.Range(0, rows).Min(i => At(i, j)) : 0).ToArray(),
            j => colMin[j], 64, rtol: 0, atol: 0, written: j => j < cols, what: "colMin");
        for (int i = 0; i < 16; i++)
        {
            int expected = i < rows ? Enumerable.Range(0, cols).First(j => At(i, j) == Enumerable.Range(0, cols).Max(k => At(i, k))) : -1;
            Assert.Equal(expected, rowArgmax[i]);
        }
        Assert.Equal(7, rowArgmax[3]);
        Assert.Equal(sums.Sum(), total[0], 3e-4);
        Assert.Equal(Array.IndexOf(sums, sums.Take(cols).Max()), best[0]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Math_ops_match_float64(Runner runner)
    {
        const int n = 45; // ragged: the 64-wide tile is masked past n
        var random = new Random(5);
        var x = Reference.RandomFloats(random, n);
        var y = Reference.RandomFloats(random, n);
        x[0] = 0.3f; x[1] = -0.3f; // inside the clamp range from both sides
        var output = Reference.Poisoned(9 * n + 64, float.NaN);
        var clamped = Reference.Poisoned(64, int.MinValue);
        var grid = Reference.Poisoned(256, float.NaN);
        if (runner == Runner.Interpreter)
        {
            MathKernels.OpsKernel.Interpret(1, x, y, output, clamped, grid, n);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            MathKernels.OpsKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(y), d.View(output), d.View(clamped), d.View(grid), n);
            d.CopyBack();
        }

        Func<double, double, double>[] ops =
        {
            (a, _) => 1 / Math.Sqrt(Math.Abs(a) + 0.5),
            (a, _) => 1 / (1 + Math.Exp(-4 * a)),
            (a, _) => Math.Tanh(3 * a),
            (a, _) => Math.Log2(Math.Abs(a) + 0.5),
            (a, _) => Math.Sin(3 * a),
            (a, _) => Math.Cos(3 * a),
            (a, _) => ErfSeries(2 * a),
            (a, b) => a * b + Math.Abs(a) + 0.5,
            (a, _) => Math.Clamp(a, -0.5, 1),
        };
        // Tolerances: each op evaluates in float on |arguments| ≤ 6, so a few ulps of results ≤ 4 in magnitude
        // (2.4e-7 each) plus the rounding of the float argument (3a, 4a, |a| + 0.5: half an ulp of ≤ 6, 2.4e-7,
        // times a derivative ≤ 3): 2e-6 covers it; Erf's own approximation error is 1.5e-7 (TileMath.Erf).
        var expected = new double[9 * n + 64];
        for (int op = 0; op < ops.Length; op++)
            for (int i = 0; i < n; i++) expected[op * n + i] = ops[op](x[i], y[i]);
        Reference.AssertClose(expected, i => output[i], 9 * n + 64, rtol: 0, atol: 2e-6, written: i => i < 9 * n, what: "math ops");
        Assert.Equal(Enumerable.Range(0, 64).Select(i => i < n ? Math.Clamp(i, 3, 40) : int.MinValue), clamped);
        var grid64 = Enumerable.Range(0, 256).Select(i => (double)(i / 16) * (i % 16) + Math.Clamp(i % 16, 2, 5)).ToArray();
        Reference.AssertClose(grid64, i => grid[i], 256, rtol: 0, atol: 0, what: "grid"); // small integers: exact
    }

    /// <summary>erf by its Maclaurin series 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1)), in double (|x| ≤ 4 here: terms peak
    /// near 1e5, so cancellation costs about 1e-11).</summary>
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int k = 1; k < 200; k++)
        {
            term *= -x * x / k;
            sum += term / (2 * k + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    [Fact]
    public void Math_ops_in_the_interpreter_and_on_the_CPU_accelerator_agree_exactly()
    {
        const int n = 64;
        var random = new Random(9);
        var x = Reference.RandomFloats(random, n);
        var y = Reference.RandomFloats(random, n);
        var (o1, c1, g1) = (new float[9 * n], new int[64], new float[256]);
        var (o2, c2, g2) = (new float[9 * n], new int[64], new float[256]);
        MathKernels.OpsKernel.Interpret(1, x, y, o1, c1, g1, n);
        using (var d = new DeviceArrays(cpu.Accelerator))
        {
            MathKernels.OpsKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(y), d.View(o2), d.View(c2), d.View(g2), n);
            d.CopyBack();
        }
        Assert.Equal(o1, o2);
        Assert.Equal(c1, c2);
        Assert.Equal(g1, g2);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Integer_xor_shifts_and_complement_match_CSharp(Runner runner)
    {
        const int n = 50, seed = 12345;
        var hashed = Reference.Poisoned(64, int.MinValue);
        var flags = Reference.Poisoned(64, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            MathKernels.BitsKernel.Interpret(1, hashed, flags, n, seed);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            MathKernels.BitsKernel.Launch(cpu.Accelerator, 1, d.View(hashed), d.View(flags), n, seed);
            d.CopyBack();
        }
        for (int i = 0; i < 64; i++)
        {
            int h = unchecked(i * 1103515245 + seed);
            h ^= h >> 7;
            h ^= h << (i & 7);
            h = ~h ^ (h >> 13);
            Assert.Equal(i < n ? h : int.MinValue, hashed[i]);
            Assert.Equal(i < n ? ((i & 1) == 1 ^ i < 20 ? 1 : 0) : int.MinValue, flags[i]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cumsum_and_Cumprod_match_float64_and_agree_exactly_between_interpreter_and_CPU(bool reverse)
    {
        const int rows = 11, cols = 48; // a 16 × 64 tile, masked to 11 × 48
        var x = Reference.RandomFloats(new Random(13), 16 * cols);
        // The elements a scan combines into element k of a line of n: 0..k, or k..n-1 reversed.
        IEnumerable<int> Combined(int k, int n) => reverse ? Enumerable.Range(k, n - k) : Enumerable.Range(0, k + 1);
        float[][] Run(Runner runner)
        {
            var outputs = new[] { Reference.Poisoned(16 * cols, float.NaN), Reference.Poisoned(16 * cols, float.NaN), Reference.Poisoned(16 * cols, float.NaN) };
            var counts = Reference.Poisoned(64, int.MinValue);
            if (runner == Runner.Interpreter)
            {
                MathKernels.ScansKernel.Interpret(1, x, outputs[0], outputs[1], outputs[2], counts, rows, reverse ? 1 : 0);
            }
            else
            {
                using var d = new DeviceArrays(cpu.Accelerator);
                MathKernels.ScansKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(outputs[0]), d.View(outputs[1]), d.View(outputs[2]), d.View(counts),
                    rows, reverse ? 1 : 0);
                d.CopyBack();
            }
            for (int c = 0; c < 64; c++) Assert.Equal(c < cols ? Combined(c, cols).Sum(j => j % 3) : int.MinValue, counts[c]);
            return outputs;
        }
        var interpreted = Run(Runner.Interpreter);
        var accelerated = Run(Runner.CpuAccelerator);
        for (int k = 0; k < 3; k++) Assert.Equal(interpreted[k], accelerated[k]); // the same additions in the same order

        double At(int r, int c) => x[r * cols + c];
        bool Written(int i) => i / cols < rows;
        var rowSums = Enumerable.Range(0, 16 * cols).Select(i => Combined(i % cols, cols).Sum(c => At(i / cols, c))).ToArray();
        var columnSums = Enumerable.Range(0, 16 * cols).Select(i => Combined(i / cols, 16).Sum(r => r < rows ? At(r, i % cols) : 0)).ToArray();
        var rowProducts = Enumerable.Range(0, 16 * cols).Select(i => Combined(i % cols, cols).Aggregate(1.0, (p, c) => p * At(i / cols, c))).ToArray();
        // Sums of at most 48 values of magnitude ≤ 2 in float: error ≤ 48·2^-24·Σ|x| ≤ 48·6e-8·96 < 3e-4; products of
        // at most 48 factors: relative error ≤ 48·2^-24 < 3e-6.
        Reference.AssertClose(rowSums, i => accelerated[0][i], 16 * cols, rtol: 0, atol: 3e-4, written: Written, what: "row Cumsum");
        Reference.AssertClose(columnSums, i => accelerated[1][i], 16 * cols, rtol: 0, atol: 3e-4, written: Written, what: "column Cumsum");
        Reference.AssertClose(rowProducts, i => accelerated[2][i], 16 * cols, rtol: 3e-6, atol: 0, written: Written, what: "row Cumprod");

        // The documented order, to the bit: float additions from 0, over the combined elements in scan order (the
        // masked lanes past column 48 add zeros first in a reverse scan, which changes nothing).
        for (int i = 0; i < 16 * cols; i++)
        {
            if (!Written(i)) continue;
            var order = Combined(i % cols, cols).ToList();
            if (reverse) order.Reverse();
            Assert.Equal(order.Aggregate(0f, (sum, c) => sum + x[i / cols * cols + c]), accelerated[0][i]);
        }
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Argmin_along_each_axis_takes_the_first_smallest(Runner runner)
    {
        const int rows = 13, cols = 50;
        var x = Reference.RandomFloats(new Random(17), rows * cols);
        x[2 * cols + 4] = x[2 * cols + 40] = -3f;  // a tie in row 2: the first wins
        x[5 * cols + 7] = x[9 * cols + 7] = -3f;   // a tie in column 7
        var alongRows = Reference.Poisoned(16, -1);
        var alongColumns = Reference.Poisoned(64, -1);
        var first = Reference.Poisoned(1, -1);
        if (runner == Runner.Interpreter)
        {
            MathKernels.ArgminsKernel.Interpret(1, x, alongRows, alongColumns, first, rows);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            MathKernels.ArgminsKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(alongRows), d.View(alongColumns), d.View(first), rows);
            d.CopyBack();
        }
        int FirstMin(IEnumerable<float> values) { var list = values.ToList(); return list.IndexOf(list.Min()); }
        for (int i = 0; i < 16; i++)
            Assert.Equal(i < rows ? FirstMin(x.Skip(i * cols).Take(cols)) : -1, alongRows[i]);
        for (int j = 0; j < 64; j++)
            Assert.Equal(j < cols ? FirstMin(Enumerable.Range(0, rows).Select(i => x[i * cols + j])) : -1, alongColumns[j]);
        Assert.Equal((4, 5), (alongRows[2], alongColumns[7]));
        Assert.Equal(FirstMin(x.Take(cols)), first[0]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Trans_and_AtomicAdd_match_reference(Runner runner)
    {
        const int rows = 70, cols = 21; // 3 × 2 programs, ragged in both directions
        var x = Reference.RandomFloats(new Random(12), rows * cols);
        var y = Reference.Poisoned(rows * cols, float.NaN);
        var colSums = new float[cols];
        var grid = (Tl.Cdiv(rows, 32), Tl.Cdiv(cols, 16));
        if (runner == Runner.Interpreter)
        {
            ReductionKernels.TransposeAndColumnSumsKernel.Interpret(grid, x, y, colSums, rows, cols);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            ReductionKernels.TransposeAndColumnSumsKernel.Launch(cpu.Accelerator, grid, d.View(x), d.View(y), d.View(colSums), rows, cols);
            d.CopyBack();
        }

        var transposed = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) transposed[j * rows + i] = x[i * cols + j];
        Reference.AssertClose(transposed, i => y[i], rows * cols, rtol: 0, atol: 0, what: "y");
        // Three programs add their partial column sums atomically (in any order): float rounding of ≤ 70 terms ≤ 2.
        var sums = Enumerable.Range(0, cols).Select(j => Enumerable.Range(0, rows).Sum(i => (double)x[i * cols + j])).ToArray();
        Reference.AssertClose(sums, j => colSums[j], cols, rtol: 0, atol: 1e-4, what: "colSums");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 32, 29, 30)]
    [InlineData(Runner.CpuAccelerator, 32, 29, 30)]
    [InlineData(Runner.Interpreter, 16, 13, 15)]
    [InlineData(Runner.CpuAccelerator, 16, 13, 15)]
    public void Dot_staged_in_chunks_of_k_matches_reference(Runner runner, int block, int m, int n)
    {
        // Ragged in every dimension; k spans four chunks of 64 (two of 128 at block 16, split over four slices of
        // threads), the last partly masked.
        const int k = 201;
        var random = new Random(13);
        var a = Enumerable.Range(0, m * k).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var c = Enumerable.Range(0, m * n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = c[i * n + j];
                for (int l = 0; l < k; l++) sum += a[i * k + l] * b[l * n + j];
                expected[i * n + j] = sum;
            }
        var result = (double[])c.Clone();
        if (runner == Runner.Interpreter)
        {
            ReductionKernels.ChunkedDotKernel.Interpret(1, a, b, result, m, n, k, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            ReductionKernels.ChunkedDotKernel.Launch(cpu.Accelerator, 1, d.View(a), d.View(b), d.View(result), m, n, k, block);
            d.CopyBack();
        }
        // 201 products of magnitude ≤ 1 summed in double, in a different order than here: error ≤ 201·2^-53·201 ≈ 5e-12.
        Reference.AssertClose(expected, i => result[i], m * n, rtol: 0, atol: 1e-11, what: "c");
    }
}
