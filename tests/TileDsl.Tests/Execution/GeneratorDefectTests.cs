using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Kernels that once broke the generator now compile and run: overloads, parameters with the generated code's names.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class GeneratorDefectTests(CpuAccelerator cpu)
{
    [Fact]
    public void Overloaded_kernels_each_get_their_launchers()
    {
        var floats = new[] { 1f, 2f, 3f, -4f, 5f };
        var doubles = new[] { 1.5, -2.5, 3.5 };
        using var device = new DeviceArrays(cpu.Accelerator);
        var floatView = device.View(floats);
        var doubleView = device.View(doubles);
        GeneratorDefectKernels.ScaleKernel.Launch(cpu.Accelerator, 1, floatView, floats.Length, 2f);
        GeneratorDefectKernels.ScaleKernel.Launch(cpu.Accelerator, 1, doubleView, doubles.Length, -0.5);
        device.CopyBack();
        Assert.Equal(new[] { 2f, 4f, 6f, -8f, 10f }, floats);
        Assert.Equal(new[] { -0.75, 1.25, -1.75 }, doubles);
        // Overloads are numbered in the order of their signatures (double before float); each has its own members.
        Assert.Equal(64, GeneratorDefectKernels.ScaleKernel.NumThreads1);
        Assert.Equal(32, GeneratorDefectKernels.ScaleKernel.NumThreads2);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Parameters_named_like_generated_code_work(Runner runner)
    {
        const int n = 45;
        var input = Reference.RandomFloats(new Random(12), n);
        var output = Reference.Poisoned(n + 2, float.NaN);
        int[] scalars = Enumerable.Range(1, 12).ToArray();
        if (runner == Runner.Interpreter)
        {
            GeneratorDefectKernels.NamesKernel.Interpret(2, input, output, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, n, 32);
        }
        else
        {
            using var device = new DeviceArrays(cpu.Accelerator);
            GeneratorDefectKernels.NamesKernel.Launch(cpu.Accelerator, 2, device.View(input), device.View(output), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, n, 32);
            device.CopyBack();
        }
        var expected = new double[n + 2];
        for (int i = 0; i < n; i++) expected[i] = input[i] + scalars.Sum();
        // One float addition of an exact integer: a single rounding.
        Reference.AssertClose(expected, i => output[i], n + 2, rtol: 1e-7, atol: 1e-6, written: i => i < n, what: "output");
    }

    [Fact]
    public void Buffers_of_the_wrong_kind_or_null_are_named()
    {
        var x = new float[64];
        using var device = new DeviceArrays(cpu.Accelerator);
        var view = device.View(x);
        var fromArray = Assert.Throws<ArgumentException>(() => GeneratorDefectKernels.ScaleKernel.Launch(cpu.Accelerator, 1, new GeneratorDefectKernels.ScaleKernel.Args2(x, 64, 1f)));
        Assert.Equal("x", fromArray.ParamName);
        var fromView = Assert.Throws<ArgumentException>(() => GeneratorDefectKernels.ScaleKernel.Interpret(1, new GeneratorDefectKernels.ScaleKernel.Args2(view, 64, 1f)));
        Assert.Equal("x", fromView.ParamName);
        var missing = Assert.Throws<ArgumentNullException>(() => GeneratorDefectKernels.ScaleKernel.Interpret(1, (float[])null!, 64, 1f));
        Assert.Equal("x", missing.ParamName);
    }
}
