using System;
using System.IO;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// Vectorized global accesses on the CPU accelerator: ragged sizes (partial masks), views that start at every offset
/// within 16 bytes (aligned ones take the vector path, the others one element at a time), a column stride that is
/// 1 or not: the results equal the interpreter's and a float64 reference.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class VectorizationTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(0, 2)]
    [InlineData(4, 1)]
    public void Affine2D_is_the_same_at_every_alignment(int viewOffset, int yColumnStride)
    {
        const int rows = 21, cols = 45, xStride = 52, yStride = 97;
        var random = new Random(13 + viewOffset);
        var x = Reference.RandomFloats(random, viewOffset + rows * xStride);
        int yLength = viewOffset + rows * yStride + 3;
        var yHost = Reference.Poisoned(yLength - viewOffset, float.NaN);
        var grid = (Tl.Cdiv(rows, 16), Tl.Cdiv(cols, 32));
        VectorKernels.Affine2DKernel.Interpret(grid, x[viewOffset..], yHost, rows, cols, xStride, yStride, yColumnStride);

        using var xBuffer = cpu.Accelerator.Allocate1D(x);
        using var yBuffer = cpu.Accelerator.Allocate1D(Reference.Poisoned(yLength, float.NaN));
        ArrayView<float> xView = xBuffer.View.SubView(viewOffset, x.Length - viewOffset);
        ArrayView<float> yView = yBuffer.View.SubView(viewOffset, yLength - viewOffset);
        // Buffers start 16-byte aligned here (checked), so the sub-views are aligned exactly when they start at a multiple of 4.
        Assert.Equal(3, LaunchChecks.AlignedViews((ArrayView<float>)xBuffer.View, (ArrayView<float>)yBuffer.View));
        Assert.Equal(viewOffset % 4 == 0 ? 3 : 0, LaunchChecks.AlignedViews(xView, yView));
        VectorKernels.Affine2DKernel.Launch(cpu.Accelerator, grid, xView, yView, rows, cols, xStride, yStride, yColumnStride);
        cpu.Accelerator.Synchronize();
        var launched = yBuffer.GetAsArray1D()[viewOffset..];

        var expected = new double[yLength - viewOffset];
        var written = new bool[expected.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                int at = i * yStride + j * yColumnStride;
                expected[at] = 2.0 * x[viewOffset + i * xStride + j] + 1;
                written[at] = true;
            }
        // One multiply and one add in float: two roundings of at most 2^-24 relative on values ≤ 5.
        Reference.AssertClose(expected, i => launched[i], expected.Length, rtol: 2e-7, atol: 1e-7, written: i => written[i], what: "launched y");
        Reference.AssertClose(expected, i => yHost[i], expected.Length, rtol: 2e-7, atol: 1e-7, written: i => written[i], what: "interpreted y");
        Assert.Equal(yHost.Select(BitConverter.SingleToInt32Bits), launched.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void CopyRows_of_doubles_moves_two_at_a_time_where_aligned(int viewOffset)
    {
        const int rows = 5;
        var random = new Random(17);
        var x = Reference.RandomDoubles(random, viewOffset + 8 * 16);
        using var xBuffer = cpu.Accelerator.Allocate1D(x);
        using var yBuffer = cpu.Accelerator.Allocate1D(Reference.Poisoned(viewOffset + 8 * 16, double.NaN));
        VectorKernels.CopyRowsKernel.Launch(cpu.Accelerator, 1, xBuffer.View.SubView(viewOffset, x.Length - viewOffset), yBuffer.View.SubView(viewOffset, 8 * 16), rows);
        cpu.Accelerator.Synchronize();
        var y = yBuffer.GetAsArray1D();
        for (int i = 0; i < 8 * 16; i++)
        {
            if (i < rows * 16) Assert.Equal(x[viewOffset + i], y[viewOffset + i]);
            else Assert.True(double.IsNaN(y[viewOffset + i]), $"y[{i}] was written outside the rows");
        }
    }

    [Fact]
    public void The_generated_kernels_use_vector_accesses()
    {
        string source = File.ReadAllText(Generator.SnapshotTests.RepositoryFile("tests/TileDsl.Tests/Execution/VectorKernels.cs"));
        var (result, _) = TestCompilation.Run(source);
        string generated = string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("x.Cast<Vec4<float>>()", generated);
        Assert.Contains("y.Cast<Vec4<float>>()", generated);
        Assert.Contains("x.Cast<Vec2<double>>()", generated);
        Assert.Contains("yColumnStride == 1", generated);
    }
}
