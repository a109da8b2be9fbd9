using ILGPU;
using ILGPU.Backends.PTX;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>The PTX that <see cref="KernelCache.ForCuda"/> hands the driver (no GPU needed: ILGPU's PTX backend).</summary>
public class CudaPtxTests
{
    [Fact]
    public void Exp2_flushes_subnormal_results_and_Hopper_kernels_target_sm_90a()
    {
        using var context = Context.Create(TileAccelerators.Configure);
        // ElementwiseOps stores Exp(v) + Exp2(v): ILGPU computes both with ex2.approx.f32.
        PTXCompiledKernel Compile() => KernelCaches.CompilePtx(context, typeof(TestKernels.ElementwiseOpsKernel));

        var ilgpu = Compile().PTXAssembly;
        Assert.Contains("ex2.approx.f32", ilgpu);
        var edited = KernelCache.ForCuda(Compile(), hopper: false).PTXAssembly;
        Assert.DoesNotContain("ex2.approx.f32", edited);
        Assert.Equal(Count(ilgpu, "ex2.approx.f32"), Count(edited, "ex2.approx.ftz.f32"));
        Assert.Contains(".target sm_90a", KernelCache.ForCuda(Compile(), hopper: true).PTXAssembly);
        Assert.DoesNotContain(".target sm_90a", edited);
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}
