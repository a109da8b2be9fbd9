using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace TileDsl.Bench;

/// <summary>
/// Compiles every generated kernel of the kernel libraries to PTX with ILGPU's PTX backend, no GPU needed: a check
/// that each one compiles for CUDA, and the .ptx of those whose name contains a filter, for <c>ptxas -v</c> (registers,
/// spills) on a machine that has it, edited as it is loaded on CUDA (KernelCache.ForCuda).
/// </summary>
internal static class PtxDump
{
    public static int Run(string outDir, string[] filters)
    {
        using var context = Context.Create(TileAccelerators.Configure);
        var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null!);
        var assemblies = new[] { typeof(Kernels.Tutorials.Matmul).Assembly, typeof(Attention.TwoSimplicialAttention).Assembly, typeof(PtxDump).Assembly };
        // Every generated kernel, found through its KernelCache field, compiled as the cache loads it.
        var kernels = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.IsNested && t.Name.EndsWith("Kernel", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.Name.EndsWith("Cache", StringComparison.Ordinal)))
            .Select(f => f.GetValue(null)!)
            .ToList();
        int failed = 0;
        foreach (dynamic cache in kernels)
        {
            MethodInfo method = cache.Method;
            KernelSpecialization specialization = cache.Specialization;
            string name = $"{method.DeclaringType!.DeclaringType!.Name}.{method.Name}";
            try
            {
                var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), specialization);
                compiled = KernelCache.ForCuda(compiled, (bool)cache.Hopper);
                if (filters.Any(f => name.Contains(f, StringComparison.Ordinal)))
                    File.WriteAllText(Path.Combine(outDir, name + ".ptx"), compiled.PTXAssembly);
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
        Console.WriteLine($"{kernels.Count - failed} of {kernels.Count} kernels compiled to PTX");
        return failed == 0 ? 0 : 1;
    }
}
