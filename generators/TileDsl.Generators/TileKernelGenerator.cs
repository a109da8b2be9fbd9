using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Emit;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Parsing;

namespace TileDsl.Generators;

/// <summary>
/// Lowers every [TileKernel] method to an ILGPU kernel and a typed launcher:
/// parse (Parsing/) → tile IR (IR/) → layout over threads (Layout/) → emit ILGPU C# (Emit/).
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

    /// <summary>Layout and emission of one kernel: its generated file, or the diagnostics that stop it.</summary>
    internal static LoweredKernel Lower(KernelModel model)
    {
        if (model.Diagnostics.Count > 0 || model.Specializations.Count == 0)
            return new LoweredKernel(model.HintName, "", model.Diagnostics);
        var planned = new List<(Specialization, LayoutPlan)>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var spec in model.Specializations)
        {
            var plan = LayoutPlanner.Plan(spec.Body, spec.NumThreads);
            if (plan.SharedMemoryBytes > SharedMemoryBudget)
            {
                string values = string.Join(", ", model.Parameters.Where(p => p.Kind == ParameterKind.Constexpr)
                    .Select((p, i) => $"{p.Name} = {spec.ConstexprValues[i]}"));
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SharedMemoryBudget, model.KernelSite,
                    model.DisplayName, values.Length > 0 ? values : "its only specialization", plan.SharedMemoryBytes, SharedMemoryBudget));
            }
            planned.Add((spec, plan));
        }
        if (diagnostics.Count > 0) return new LoweredKernel(model.HintName, "", diagnostics.ToEquatableArray());
        return new LoweredKernel(model.HintName, LauncherEmitter.Emit(model, planned), EquatableArray<DiagnosticInfo>.Empty);
    }
}

/// <summary>The output of lowering one kernel (equatable, so unchanged kernels are not re-emitted).</summary>
internal sealed record LoweredKernel(string HintName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);
