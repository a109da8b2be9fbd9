using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

internal enum ParameterKind
{
    Pointer,
    Scalar,
    Constexpr,
}

/// <param name="Warps">Constexpr parameters only: warps per program for each of <paramref name="ConstexprValues"/>, or empty.</param>
internal sealed record KernelParameter(string Name, ParameterKind Kind, ElementType Element, EquatableArray<int> ConstexprValues, EquatableArray<int> Warps)
{
    /// <summary>The parameter's type in the ILGPU kernel.</summary>
    public string KernelType => Kind == ParameterKind.Pointer ? $"ArrayView<{ElementTypes.Of(Element).Storage}>" : ElementTypes.CsName(Element);
}

/// <summary>
/// Everything the later pipeline stages need to know about one [TileKernel] method, as equatable data: no syntax
/// nodes or symbols, so an edit that leaves it equal re-runs no lowering.
/// </summary>
/// <param name="Overload">"" for a kernel whose name is not overloaded, else its number among the overloads (1, 2, ...,
/// in the order of their signatures), which the names of its generated members carry.</param>
/// <param name="NumStages">Stages of the software pipeline of runtime loops whose Dots read loaded tiles (1: none; <c>Passes.Pipelining</c>).</param>
/// <param name="MinProgramsPerSM">The kernel's launch-bounds hint (0: none), passed to its <c>KernelCache</c>.</param>
internal sealed record KernelModel(
    string HintName,
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeFullName,
    string MethodName,
    string Overload,
    int NumWarps,
    int MinProgramsPerSM,
    int NumStages,
    EquatableArray<KernelParameter> Parameters,
    EquatableArray<Specialization> Specializations,
    EquatableArray<DiagnosticInfo> Diagnostics,
    SourceSite KernelSite)
{
    /// <summary>ILGPU's LoadKernel takes at most 14 kernel parameters (Action's 16 type arguments, less stream and config).</summary>
    public const int MaxKernelParameters = 14;

    /// <summary>Whether every type around the kernel is public. ILGPU's launchers (CUDA and CPU) build a type holding
    /// the kernel's parameters in an assembly of their own, which cannot reach a struct nested in a non-public type:
    /// such a kernel's packed scalars are a public type of the namespace instead (<c>KernelSignature.ScalarsStruct</c>).</summary>
    public bool InPublicTypes { get; init; } = true;

    /// <summary>The kernel's name in messages: <c>Type.Method</c>.</summary>
    public string DisplayName => ContainingTypes[ContainingTypes.Count - 1].Split(' ').Last() + "." + MethodName;

    public string Suffix(Specialization spec)
        => string.Concat(Parameters.Where(p => p.Kind == ParameterKind.Constexpr).Select((p, i) => "_" + p.Name + spec.ConstexprValues[i]));
}
