using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.Emit;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Parsing;
using TileDsl.Generators.Passes;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators;

/// <summary>
/// Lowers every [TileKernel] method to ILGPU kernels and a typed launcher, in two IR levels:
/// parse (Parsing/, typed by Semantics/) → tile IR (IR/) → layouts (Layout/) → distributed IR (Distributed/) →
/// passes (Passes/) → ILGPU C# (Emit/).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TileKernelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps (for incrementality tests).</summary>
    public static class Steps
    {
        public const string Parse = "TileDsl.Parse";
        public const string Lower = "TileDsl.Lower";
    }

    /// <summary>Shared memory a program instance may use on the H100 through ILGPU (static allocation).</summary>
    public const int SharedMemoryBudget = 48 * 1024;

    /// <summary>Shared memory a program with tensor-core Dots or a software pipeline may use: its shared memory is dynamic, and the kernel is
    /// granted more than 48 KiB when it is loaded (the opt-in limit of an H100 or H200: 227 KiB).</summary>
    public const int DynamicSharedMemoryBudget = 227 * 1024;

    /// <summary>Shared memory of one multiprocessor of an H100 or H200, and what the driver reserves of it per program
    /// instance: how many instances of a program fit at once (<see cref="LoopInvariants"/> keeps that number).</summary>
    public const int SharedMemoryPerMultiprocessor = 228 * 1024, SharedMemoryReservedPerProgram = 1024;

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var kernels = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "TileDsl.TileKernelAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => KernelParser.Parse(ctx, ct))
            .WithTrackingName(Steps.Parse);

        var lowered = kernels
            .Select(static (model, _) => Lower(model))
            .WithTrackingName(Steps.Lower);

        context.RegisterSourceOutput(lowered, static (spc, output) =>
        {
            foreach (var diagnostic in output.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (output.Source.Length > 0) spc.AddSource(output.HintName, output.Source);
        });
    }

    /// <summary>Layouts, passes and emission of one kernel: its generated file, or the diagnostics that stop it.
    /// A failure of the generator itself becomes a diagnostic on this kernel, so that the others still generate.</summary>
    internal static LoweredKernel Lower(KernelModel model)
    {
        if (model.Diagnostics.Count > 0 || model.Specializations.Count == 0)
            return new LoweredKernel(model.HintName, "", model.Diagnostics);
        try
        {
            var lowered = new List<LoweredSpecialization>();
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var spec in model.Specializations)
            {
                var pipelined = Pipelined(model, spec, wgmma: false);
                var (program, arenas, bytes) = LowerVariant(pipelined, null, wgmma: false);
                int budget = KernelEmitter.UsesDynamicShared(program) ? DynamicSharedMemoryBudget : SharedMemoryBudget;
                if (bytes > budget)
                {
                    string values = string.Join(", ", model.Parameters.Where(p => p.Kind == ParameterKind.Constexpr)
                        .Select((p, i) => $"{p.Name} = {spec.ConstexprValues[i]}"));
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SharedMemoryBudget, model.KernelSite,
                        model.DisplayName, values.Length > 0 ? values : "its only specialization", bytes, budget));
                }
                // A second kernel for launches whose int arguments are divisible by 16 (or 1 where a stride along the
                // last dimension) and whose views are aligned: its vectors need no run-time tests but their masks.
                // And where tensor-core Dots (16-bit or tf32) can run on wgmma, the same two for Hopper (the launcher
                // picks by device).
                LoweredSpecialization? hopper = null;
                if (HasTensorCoreDot(spec))
                {
                    var forHopper = Pipelined(model, spec, wgmma: true);
                    var (hopperProgram, hopperArenas, hopperBytes) = LowerVariant(forHopper, null, wgmma: true);
                    if (KernelEmitter.UsesWgmma(hopperProgram) && hopperBytes <= DynamicSharedMemoryBudget)
                        hopper = new LoweredSpecialization(spec, hopperProgram, hopperArenas, hopperBytes) { Divisible = Divisible(model, forHopper, hopperProgram, wgmma: true) };
                }
                lowered.Add(new LoweredSpecialization(spec, program, arenas, bytes) { Divisible = Divisible(model, pipelined, program, wgmma: false), Hopper = hopper });
            }
            if (diagnostics.Count > 0) return new LoweredKernel(model.HintName, "", diagnostics.ToEquatableArray());
            // The signature serves every kernel: the Hopper ones may vectorize or pipeline where the others do not.
            var programs = lowered.SelectMany(s => s.Hopper is { } h ? new[] { s.Program, h.Program } : new[] { s.Program }).ToList();
            bool vectorized = programs.Any(p => p.VectorAccesses.Any());
            bool addresses = programs.Any(p => p.All.Any(d => d is DAsyncCopy));
            return new LoweredKernel(model.HintName, LauncherEmitter.Emit(model, new KernelSignature(model, vectorized, addresses), lowered), EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (Exception e)
        {
            var info = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, model.KernelSite, model.MethodName, "lowering", $"{e.GetType().Name} in {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}: {e.Message}");
            return new LoweredKernel(model.HintName, "", EquatableArray.Of(info));
        }
    }

    /// <summary>The specialization with its loops software-pipelined (<c>NumStages</c>), decided on the layout plan of
    /// its body as written (of its Hopper variant with <paramref name="wgmma"/>).</summary>
    private static Specialization Pipelined(KernelModel model, Specialization spec, bool wgmma)
        => model.NumStages > 1 ? Pipelining.Run(spec, model.NumStages, LayoutAssignment.Assign(spec.Body, spec.NumThreads, wgmma)) : spec;

    /// <summary>The variant for divisible arguments of a lowered program, if it has vector accesses.</summary>
    private static LoweredVariant? Divisible(KernelModel model, Specialization pipelined, DistributedProgram program, bool wgmma)
    {
        if (Assumptions(model, program) is not { } assumed) return null;
        var variant = LowerVariant(pipelined, assumed, wgmma);
        return new LoweredVariant(variant.Program, variant.Arenas, variant.Bytes, assumed);
    }

    /// <summary>Whether a body has a Dot of 16-bit tiles or at tf32 (which may have a wgmma tiling).</summary>
    private static bool HasTensorCoreDot(Specialization spec)
    {
        var values = Pipelining.Values(spec.Body);
        return values.Values.OfType<DotOp>().Any(d => d.Tf32 || ElementTypes.IsSixteenBit(values[d.A].Type.Element));
    }

    /// <summary>The distributed program of one specialization through the passes, its arenas and shared bytes.</summary>
    private static (DistributedProgram Program, Dictionary<ElementType, int> Arenas, int Bytes) LowerVariant(Specialization spec, IReadOnlyDictionary<string, int>? assumed, bool wgmma)
    {
        var program = DistributedLowering.Lower(spec, LayoutAssignment.Assign(spec.Body, spec.NumThreads, wgmma));
        LoopInvariants.Run(program, KernelEmitter.UsesDynamicShared(program));
        Vectorize.Run(program, assumed);
        IssueLoadsEarly.Run(program);
        SinkRecomputation.Run(program);
        InPlaceAccumulation.Run(program);
        var arenas = SharedAllocation.Run(program);
        Barriers.Run(program);
        return (program, arenas, SharedAllocation.Bytes(arenas));
    }

    /// <summary>
    /// What a kernel specialized for divisible arguments assumes of each int parameter (by name): 1 for those whose
    /// being 1 makes an access's offsets consecutive (a stride along the last dimension, tested at run time in the
    /// general kernel's vectors), a multiple of <see cref="AxisInfo.Divisible"/> for the others. Null when the program has no
    /// vector access (nothing would change).
    /// </summary>
    private static Dictionary<string, int>? Assumptions(KernelModel model, DistributedProgram program)
    {
        if (!program.VectorAccesses.Any()) return null;
        // A parameter that scales the last dimension's index of an access (vectorized or not) is its unit stride.
        var axis = new AxisInfo(program.Values);
        var pointers = program.All.Select(s => s switch
        {
            DDefine { Op: LoadOp load } => load.Pointers,
            DStore d => d.Store.Pointers,
            DAsyncCopy d => d.Copy.Pointers,
            _ => (int?)null,
        }).Where(p => p is not null);
        var units = new HashSet<string>(pointers.Select(p => axis.Of(p!.Value).Scalar).Where(u => u is not null)
            .Select(u => program.Values[u!.Value]).OfType<ParamOp>().Select(p => p.Parameter));
        return model.Parameters.Where(p => p.Kind == ParameterKind.Scalar && p.Element == ElementType.Int)
            .ToDictionary(p => p.Name, p => units.Contains(p.Name) ? 1 : AxisInfo.Divisible);
    }
}

/// <summary>The output of lowering one kernel (equatable, so unchanged kernels are not re-emitted).</summary>
internal sealed record LoweredKernel(string HintName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);
