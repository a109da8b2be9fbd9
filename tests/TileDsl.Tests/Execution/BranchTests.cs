using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Runtime ifs with else branches, tile and scalar locals merged after them, early returns (at the top
/// and inside a branch), and an int division in a branch that does not apply.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class BranchTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Runtime_ifs_and_early_returns_take_effect_only_where_they_apply(Runner runner)
    {
        const int n = 200, limit = 5, block = 32, programs = 7;
        var random = new Random(51);
        // Blocks alternate in sign so that both branches of the sum test are taken.
        var x = Enumerable.Range(0, n).Select(i => (float)((i / block % 2 == 0 ? 1 : -1) * (0.1 + random.NextDouble()))).ToArray();
        var y = Reference.Poisoned(n, float.NaN);
        var flags = Reference.Poisoned(programs, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            BranchKernels.BranchesKernel.Interpret(programs, x, y, flags, n, limit, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            BranchKernels.BranchesKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(y), d.View(flags), n, limit, block);
            d.CopyBack();
        }
        for (int pid = 0; pid < limit; pid++)
        {
            int start = pid * block, end = Math.Min(n, start + block);
            double sum = 0;
            for (int i = start; i < end; i++) sum += x[i];
            for (int i = start; i < end; i++) Assert.Equal(sum > 0 ? 2 * x[i] : -x[i], y[i]);
        }
        for (int i = limit * block; i < n; i++) Assert.True(float.IsNaN(y[i]), $"y[{i}] written by a program that returned");
        Assert.Equal(new[] { -1, 7, n / 2, n / 3, n / 4, int.MinValue, int.MinValue }, flags);
    }
}
