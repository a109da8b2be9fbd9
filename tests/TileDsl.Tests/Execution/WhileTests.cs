using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>While and do loops whose trip counts depend on the data, against float64 references, on both runners.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class WhileTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Newton_iterates_until_the_blocks_residual_is_small(Runner runner)
    {
        const int n = 100, block = 64, programs = 2; // ragged: the second block has 36 elements
        const float tol = 1e-5f;
        var random = new Random(61);
        // Block 0 spans (0, 100], block 1 (0, 4]: they need different numbers of iterations.
        var a = Enumerable.Range(0, n).Select(i => (float)((i < block ? 100 : 4) * (0.01 + 0.99 * random.NextDouble()))).ToArray();
        var root = Reference.Poisoned(programs * block, float.NaN);
        var steps = Reference.Poisoned(programs, -1);
        if (runner == Runner.Interpreter)
        {
            WhileKernels.NewtonSqrtKernel.Interpret(programs, a, root, steps, n, tol, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            WhileKernels.NewtonSqrtKernel.Launch(cpu.Accelerator, programs, d.View(a), d.View(root), d.View(steps), n, tol, block);
            d.CopyBack();
        }
        // The loop stops at a relative residual |r² − a| / a ≤ 1e-5, so r is within 5e-6 of √a (relative), plus float
        // rounding of a few 1e-7.
        var expected = Enumerable.Range(0, programs * block).Select(i => i < n ? Math.Sqrt(a[i]) : 0).ToArray();
        Reference.AssertClose(expected, i => root[i], programs * block, rtol: 6e-6, atol: 0, written: i => i < n, what: "root");
        // The same iteration in float64 takes as many steps: its residuals fall quadratically, far from the tolerance
        // at each step (the float rounding of about 1e-7 cannot move them across it).
        for (int pid = 0; pid < programs; pid++)
        {
            var x = a.Skip(pid * block).Take(block).Select(v => (double)v).ToArray();
            var r = x.Select(v => Math.Max(v, 1)).ToArray();
            int count = 0;
            while (x.Select((v, i) => Math.Abs(r[i] * r[i] - v) / v).Max() > tol)
            {
                for (int i = 0; i < r.Length; i++) r[i] = 0.5 * (r[i] + x[i] / r[i]);
                count++;
            }
            Assert.True(count > 2, $"program {pid} converges in {count} steps: too few to test the loop");
            Assert.Equal(count, steps[pid]);
        }
        Assert.NotEqual(steps[0], steps[1]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Scalar_while_and_do_loops_run_as_often_as_their_data_asks(Runner runner)
    {
        const float threshold = 1f, limit = 64f;
        // Halvings and doublings of floats are exact, so the results are too. 0 and negatives do not enter the
        // doubling loop of the if branch (they would never leave it); 1000 and 0.3 skip the loops' bodies.
        var x = new[] { 37.5f, 0.3f, -2f, 0f, 1000f, 5f, 1e-3f, 1f };
        int programs = x.Length;
        var halvings = Reference.Poisoned(programs, -1);
        var doubled = Reference.Poisoned(programs, float.NaN);
        var once = Reference.Poisoned(programs, -1);
        if (runner == Runner.Interpreter)
        {
            WhileKernels.ScalarsKernel.Interpret(programs, x, halvings, doubled, once, threshold, limit);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            WhileKernels.ScalarsKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(halvings), d.View(doubled), d.View(once), threshold, limit);
            d.CopyBack();
        }
        for (int p = 0; p < programs; p++)
        {
            double v = x[p];
            int halves = v >= threshold ? (int)Math.Floor(Math.Log2(v / threshold)) + 1 : 0;
            Assert.Equal(halves, halvings[p]);
            Assert.Equal(Math.Max(halves, 1), once[p]);
            double twice = v;
            if (v > 0) twice = v * Math.Pow(2, Math.Max(0, Math.Ceiling(Math.Log2(limit / v))));
            Assert.Equal(twice, doubled[p]);
        }
        Assert.Equal(new[] { 6, 0, 0, 0, 10, 3, 0, 1 }, halvings);
        Assert.Equal(new[] { 75f, 76.8f, -2f, 0f, 1000f, 80f, 65.536f, 64f }, doubled);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void A_pointer_walks_each_segment_while_start_is_below_end(Runner runner)
    {
        const int block = 16;
        // Segment lengths 5, 0, 16, 17, 40, 0, 1: shorter than a block, empty, exactly one block, ragged, several.
        var starts = new[] { 0, 5, 5, 21, 38, 78, 78, 79 };
        int programs = starts.Length - 1, n = starts[^1];
        var x = Reference.RandomFloats(new Random(67), n);
        var sums = Reference.Poisoned(programs, float.NaN);
        if (runner == Runner.Interpreter)
        {
            WhileKernels.SegmentSumsKernel.Interpret(programs, x, starts, sums, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            WhileKernels.SegmentSumsKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(starts), d.View(sums), block);
            d.CopyBack();
        }
        var expected = Enumerable.Range(0, programs).Select(p => Enumerable.Range(starts[p], starts[p + 1] - starts[p]).Sum(i => (double)x[i])).ToArray();
        // At most 40 float terms of magnitude ≤ 2: 40 roundings of partial sums ≤ 80, each ≤ 80 · 2^-24: ≤ 2e-4.
        Reference.AssertClose(expected, p => sums[p], programs, rtol: 0, atol: 2e-4, what: "sums");
    }
}
