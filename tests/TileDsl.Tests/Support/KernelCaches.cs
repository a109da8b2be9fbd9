using System;
using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace TileDsl.Tests.Support;

/// <summary>Which generated kernels ran: the launchers' kernel caches, read by reflection.</summary>
internal static class KernelCaches
{
    /// <summary>Whether the kernel cache <paramref name="field"/> of a generated launcher has loaded its kernel on <paramref name="accelerator"/>.</summary>
    public static bool Loaded(Type launcher, string field, Accelerator accelerator)
    {
        var cache = launcher.GetField(field, BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        Assert.NotNull(cache);
        return (bool)cache!.GetType().GetMethod("IsLoadedOn")!.Invoke(cache, new object[] { accelerator })!;
    }

    /// <summary>The first kernel a generated launcher caches, compiled by ILGPU's PTX backend for sm_80 (no GPU needed).</summary>
    public static PTXCompiledKernel CompilePtx(Context context, Type launcher)
    {
        var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null!);
        dynamic cache = launcher.GetFields(BindingFlags.NonPublic | BindingFlags.Static)
            .First(f => f.Name.EndsWith("Cache", StringComparison.Ordinal)).GetValue(null)!;
        MethodInfo method = cache.Method;
        KernelSpecialization specialization = cache.Specialization;
        return (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), specialization);
    }
}
