using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.PTX;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace TileDsl;

/// <summary>
/// One generated ILGPU kernel (explicitly grouped, <typeparamref name="TKernel"/> its launcher), loaded once per
/// accelerator on first launch and dropped with the accelerator. It is compiled for the group size it is launched
/// with and the kernel's <see cref="TileKernelAttribute.MinProgramsPerSM"/> (<see cref="Specialization"/>: PTX
/// <c>.maxntid</c> and <c>.minnctapersm</c>, CUDA's launch bounds), so that register allocation knows how many
/// threads share a multiprocessor's registers. A kernel that takes more than 48 KiB of dynamic shared memory (software
/// pipelines of large tiles) is allowed it on CUDA at load (<c>cuFuncSetAttribute</c>, up to the device's opt-in limit:
/// 227 KiB on an H100 or H200). On CUDA the kernel is compiled here and its PTX edited before the driver sees it
/// (<see cref="KernelCache.ForCuda"/>): <c>Exp2</c> flushes subnormal results to zero, and a Hopper variant
/// (<c>wgmma</c>, an <c>sm_90a</c> instruction) has its target raised to <c>sm_90a</c> (ILGPU 1.5.3 writes <c>sm_80</c>
/// at most).
/// </summary>
public sealed class KernelCache<TKernel>
    where TKernel : Delegate
{
    private readonly ConditionalWeakTable<Accelerator, TKernel> loaded = new();

    public KernelCache(Delegate kernel, int numThreads, int minProgramsPerSM = 0, int dynamicSharedBytes = 0, bool hopper = false)
    {
        Method = kernel.Method;
        Specialization = new KernelSpecialization(numThreads, minProgramsPerSM > 0 ? minProgramsPerSM : null);
        DynamicSharedBytes = dynamicSharedBytes;
        Hopper = hopper;
    }

    /// <summary>Whether the kernel is a Hopper variant (its PTX targets <c>sm_90a</c> on CUDA).</summary>
    public bool Hopper { get; }

    /// <summary>Shared memory per program that launches of this kernel request (dynamic); 0 when it uses static shared memory.</summary>
    public int DynamicSharedBytes { get; }

    /// <summary>What CUDA grants a kernel without asking (48 KiB).</summary>
    public const int DefaultSharedBytes = 48 * 1024;

    /// <summary>The kernel method.</summary>
    public MethodInfo Method { get; }

    /// <summary>What the kernel is compiled for: the threads of one group and the programs per multiprocessor.</summary>
    public KernelSpecialization Specialization { get; }

    public TKernel Get(Accelerator accelerator) => loaded.GetValue(accelerator, Load);

    /// <summary>Whether the kernel has been loaded on <paramref name="accelerator"/> (launched there at least once).</summary>
    public bool IsLoadedOn(Accelerator accelerator) => loaded.TryGetValue(accelerator, out _);

    private TKernel Load(Accelerator accelerator)
    {
        if (accelerator is not CudaAccelerator cuda) return accelerator.LoadKernel<TKernel>(Method, Specialization);
        var compiled = cuda.Backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(Method), Specialization);
        var kernel = cuda.LoadKernel(KernelCache.ForCuda((PTXCompiledKernel)compiled, Hopper));
        if (DynamicSharedBytes <= DefaultSharedBytes) return kernel.CreateLauncherDelegate<TKernel>();
        const int maxDynamicSharedSizeBytes = 8; // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        int status = CudaDriver.SetFunctionAttribute(((CudaKernel)kernel).FunctionPtr, maxDynamicSharedSizeBytes, DynamicSharedBytes);
        if (status != 0)
            throw new NotSupportedException($"Kernel {Method.Name} needs {DynamicSharedBytes} bytes of shared memory per program; {accelerator.Name} does not grant it (CUDA error {status}). Use smaller blocks or fewer NumStages.");
        return kernel.CreateLauncherDelegate<TKernel>();
    }
}

/// <summary>What all kernel caches share.</summary>
public static class KernelCache
{
    /// <summary>
    /// The PTX as the driver gets it. <c>ex2.approx.f32</c> (ILGPU's <c>Exp2</c>, and <c>Exp</c> through it) becomes
    /// <c>ex2.approx.ftz.f32</c>, which flushes subnormal inputs and results to zero (a result below 2^-126 is 0), as
    /// Triton's <c>tl.exp2</c> does: without <c>.ftz</c> every call takes three more instructions to scale subnormal results (a sixth of the
    /// bf16 flash attention forward's instructions). A Hopper variant's target is raised to <c>sm_90a</c>, the only
    /// target with <c>wgmma</c>. ILGPU keeps the text in a get-only property, set here through its backing field.
    /// </summary>
    public static PTXCompiledKernel ForCuda(PTXCompiledKernel compiled, bool hopper)
    {
        var text = typeof(PTXCompiledKernel).GetField("<PTXAssembly>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new NotSupportedException("This ILGPU version keeps a kernel's PTX elsewhere; TileDsl's CUDA kernels need ILGPU 1.5.3.");
        string ptx = compiled.PTXAssembly.Replace("ex2.approx.f32", "ex2.approx.ftz.f32");
        if (hopper) ptx = Regex.Replace(ptx, @"^\.target sm_\w+", ".target sm_90a", RegexOptions.Multiline);
        text.SetValue(compiled, ptx);
        return compiled;
    }
}

/// <summary>The one CUDA driver call ILGPU does not wrap.</summary>
internal static class CudaDriver
{
    public static int SetFunctionAttribute(IntPtr function, int attribute, int value)
        => OperatingSystem.IsWindows() ? WindowsDriver.cuFuncSetAttribute(function, attribute, value) : LinuxDriver.cuFuncSetAttribute(function, attribute, value);

    private static class LinuxDriver
    {
        [DllImport("libcuda.so.1")]
        public static extern int cuFuncSetAttribute(IntPtr function, int attribute, int value);
    }

    private static class WindowsDriver
    {
        [DllImport("nvcuda.dll")]
        public static extern int cuFuncSetAttribute(IntPtr function, int attribute, int value);
    }
}
