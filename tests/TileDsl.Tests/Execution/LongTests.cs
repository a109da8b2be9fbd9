using System;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>long arithmetic (C# semantics: wrapping, shifts mod 64) and loads through 64-bit offsets, on both runners.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class LongTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Long_tiles_compute_as_CSharp_and_address_memory(Runner runner)
    {
        const int n = 45;
        const long start = 7, stride = 3;
        var x = Reference.RandomFloats(new Random(71), 200);
        var y = Reference.Poisoned(64, float.NaN);
        var wide = Reference.Poisoned(64, long.MinValue);
        var narrow = Reference.Poisoned(64, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            LongKernels.OffsetsKernel.Interpret(1, x, y, wide, narrow, start, stride, n);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            LongKernels.OffsetsKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(y), d.View(wide), d.View(narrow), start, stride, n);
            d.CopyBack();
        }
        for (int i = 0; i < 64; i++)
        {
            long at = start + i * stride;
            if (i < n)
            {
                Assert.Equal(2 * x[at], y[i]);
                Assert.Equal(unchecked(at * 1000000007L) ^ (at << 33) ^ (at >> 3), wide[i]);
                Assert.Equal(unchecked((int)(at * 4000000000L)), narrow[i]);
            }
            else
            {
                Assert.True(float.IsNaN(y[i]) && wide[i] == long.MinValue && narrow[i] == int.MinValue, $"element {i} written past n");
            }
        }
    }
}
