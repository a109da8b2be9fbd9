using System;
using System.Linq;
using ILGPU;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>A kernel of a non-public class whose scalars are packed into one struct argument (<see cref="InternalKernels"/>).</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class InternalKernelTests(CpuAccelerator cpu)
{
    /// <summary>
    /// ILGPU's launchers map the kernel's arguments through a type they build in an assembly of their own, which could
    /// not reach a Scalars struct nested in an internal class (TypeLoadException, "Access is denied", at the first
    /// launch, on CUDA and on the CPU accelerator): the struct is a public type of the namespace instead, and the kernel
    /// compiles to PTX (ILGPU's PTX backend, no GPU).
    /// </summary>
    [Fact]
    public void Its_packed_scalars_are_public_and_it_compiles_to_PTX()
    {
        Assert.True(typeof(InternalKernels_WeightedShiftScalars).IsPublic);
        using var context = Context.Create(TileAccelerators.Configure);
        var ptx = KernelCaches.CompilePtx(context, typeof(InternalKernels.WeightedShiftKernel)).PTXAssembly;
        Assert.Contains(".entry", ptx);
    }

    /// <summary>Every scalar reaches the kernel in its own field: y = x·s0 + Σ (j + 1)·s_j, 150 elements over blocks of
    /// 64 (the last one masked), against float64. (With the struct nested in the internal class, the CPU accelerator's
    /// launch threw the TypeLoadException.)</summary>
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Its_scalars_arrive_in_their_own_fields(Runner runner)
    {
        const int n = 150, block = 64, programs = 3;
        var random = new Random(67);
        var x = Reference.RandomFloats(random, n);
        var s = Reference.RandomFloats(random, 12);
        var y = Reference.Poisoned(n, float.NaN);
        InternalKernels.WeightedShiftKernel.Args Args(TileBuffer<float> xs, TileBuffer<float> ys)
            => new(xs, ys, n, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], block);
        if (runner == Runner.Interpreter)
        {
            InternalKernels.WeightedShiftKernel.Interpret(programs, Args(x, y));
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            InternalKernels.WeightedShiftKernel.Launch(cpu.Accelerator, programs, Args(d.View(x), d.View(y)));
            d.CopyBack();
        }
        double shift = Enumerable.Range(1, 11).Sum(j => (j + 1) * (double)s[j]);
        // Float: 12 products and sums of terms below 12 in magnitude, each rounded (2^-24 relative): under 1e-5.
        Reference.AssertClose(x.Select(v => v * (double)s[0] + shift).ToArray(), i => y[i], n, rtol: 0, atol: 1e-5, what: "y");
    }
}
