using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// Everything the later pipeline stages need to know about one [TileKernel] method, as equatable data: no syntax
/// nodes or symbols, so an edit that leaves it equal re-runs no lowering.
/// </summary>
internal sealed record KernelModel(
    string HintName,
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeFullName,
    string MethodName,
    int NumWarps,
    EquatableArray<KernelParameter> Parameters,
    EquatableArray<Specialization> Specializations,
    EquatableArray<DiagnosticInfo> Diagnostics,
    SourceSite KernelSite)
{
    /// <summary>ILGPU's LoadKernel takes at most 14 kernel parameters (Action's 16 type arguments, less stream and config).</summary>
    public const int MaxKernelParameters = 14;

    /// <summary>The name of the struct that carries the scalar parameters when there are too many parameters.</summary>
    public const string ScalarsStruct = "Scalars";

    /// <summary>The name of that struct's argument in the launcher and the kernel.</summary>
    public const string ScalarsArgument = "scalars";

    /// <summary>
    /// Kernels with more runtime parameters than ILGPU takes pass their scalars in one struct (<see cref="ScalarsStruct"/>),
    /// the views one by one.
    /// </summary>
    public bool PacksScalars => Parameters.Count(p => p.Kind != ParameterKind.Constexpr) > MaxKernelParameters;

    /// <summary>The ILGPU kernel's parameters: type and name, in order.</summary>
    public (string Type, string Name)[] KernelParameters()
    {
        var runtime = Parameters.Where(p => p.Kind != ParameterKind.Constexpr).ToList();
        if (!PacksScalars) return runtime.Select(p => (KernelType(p), p.Name)).ToArray();
        return runtime.Where(p => p.Kind == ParameterKind.Pointer).Select(p => (KernelType(p), p.Name))
            .Concat(new[] { (ScalarsStruct, ScalarsArgument) }).ToArray();
    }

    public static string KernelType(KernelParameter p)
        => p.Kind == ParameterKind.Pointer ? $"ArrayView<{TileType.CsName(p.Element)}>" : TileType.CsName(p.Element);

    /// <summary>The kernel's name in messages: <c>Type.Method</c>.</summary>
    public string DisplayName => ContainingTypes[ContainingTypes.Count - 1].Split(' ').Last() + "." + MethodName;
}
