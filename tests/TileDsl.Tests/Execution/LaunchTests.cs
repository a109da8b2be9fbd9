using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using TileDsl.Kernels;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Bad launch arguments fail before any GPU work, naming the argument; unmasked out-of-bounds access in
/// the interpreter names the kernel, the pointer and the index.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class LaunchTests(CpuAccelerator cpu)
{
    [Fact]
    public void Constexpr_value_that_was_not_compiled_names_the_argument()
    {
        using var x = cpu.Accelerator.Allocate1D<float>(8);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BasicKernels.VectorAddKernel.Launch(cpu.Accelerator, 1, x.View, x.View, x.View, 8, BLOCK: Runtime512()));
        Assert.Equal("BLOCK", error.ParamName);
        Assert.Contains("256, 1024", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BasicKernels.VectorAddKernel.Interpret(1, new float[8], new float[8], new float[8], 8, Runtime512()));
    }

    [Fact]
    public void Kernels_are_compiled_for_their_threads_and_programs_per_multiprocessor()
    {
        static KernelSpecialization[] Specializations(Type launcher) => launcher
            .GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(KernelCache<>))
            .Select(f => (KernelSpecialization)f.FieldType.GetProperty("Specialization")!.GetValue(f.GetValue(null))!)
            .ToArray();
        var forward = Specializations(typeof(TileDsl.Kernels.Tutorials.FlashAttention.ForwardKernel));
        Assert.NotEmpty(forward);
        Assert.All(forward, s => Assert.Equal((128, 3), (s.MaxNumThreadsPerGroup, s.MinNumGroupsPerMultiprocessor)));
        var add = Specializations(typeof(BasicKernels.VectorAddKernel));
        Assert.NotEmpty(add);
        Assert.All(add, s => Assert.Equal((BasicKernels.VectorAddKernel.NumThreads, (int?)null), (s.MaxNumThreadsPerGroup, s.MinNumGroupsPerMultiprocessor)));
    }

    [Fact]
    public void Empty_grid_names_the_grid()
    {
        using var x = cpu.Accelerator.Allocate1D<float>(8);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BasicKernels.VectorAddKernel.Launch(cpu.Accelerator, 0, x.View, x.View, x.View, 8, 256));
        Assert.Equal("grid", error.ParamName);
    }

    [Fact]
    public void Invalid_view_names_the_pointer_argument()
    {
        using var x = cpu.Accelerator.Allocate1D<float>(8);
        var error = Assert.Throws<ArgumentException>(() =>
            BasicKernels.VectorAddKernel.Launch(cpu.Accelerator, 1, x.View, default, x.View, 8, 256));
        Assert.Equal("y", error.ParamName);
    }

    [Fact]
    public void View_of_another_accelerator_names_the_argument()
    {
        using var other = TileAccelerators.Create(cpu.Context, TileDevice.Cpu);
        using var mine = cpu.Accelerator.Allocate1D<float>(8);
        using var theirs = other.Allocate1D<float>(8);
        var error = Assert.Throws<ArgumentException>(() =>
            BasicKernels.VectorAddKernel.Launch(cpu.Accelerator, 1, mine.View, mine.View, theirs.View, 8, 256));
        Assert.Equal("z", error.ParamName);
    }

    [Fact]
    public void Null_array_in_the_interpreter_names_the_argument()
    {
        var error = Assert.Throws<ArgumentNullException>(() => BasicKernels.VectorAddKernel.Interpret(1, new float[8], null!, new float[8], 8, 256));
        Assert.Equal("y", error.ParamName);
    }

    [Fact]
    public void Unmasked_out_of_bounds_load_names_kernel_pointer_and_index()
    {
        var error = Assert.Throws<TileIndexOutOfRangeException>(() =>
            TestKernels.UnmaskedCopyKernel.Interpret(2, new float[200], new float[256], 16));
        Assert.Contains("TestKernels.UnmaskedCopy", error.Message);
        Assert.Contains("Load from 'source' at index 200", error.Message);
        Assert.Contains("program (1, 0, 0)", error.Message);
    }

    [Fact]
    public void Unmasked_out_of_bounds_store_names_the_pointer()
    {
        var error = Assert.Throws<TileIndexOutOfRangeException>(() =>
            TestKernels.UnmaskedCopyKernel.Interpret(2, new float[256], new float[130], 16));
        Assert.Contains("Store to 'destination' at index 130", error.Message);
    }

    private static int Runtime512() => 512;
}
