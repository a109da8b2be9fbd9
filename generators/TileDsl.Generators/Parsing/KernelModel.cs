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
    public int NumThreads => NumWarps * 32;

    /// <summary>The kernel's name in messages: <c>Type.Method</c>.</summary>
    public string DisplayName => ContainingTypes[ContainingTypes.Count - 1].Split(' ').Last() + "." + MethodName;
}
