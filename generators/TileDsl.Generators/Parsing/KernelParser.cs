using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

/// <summary>Parse: turns one [TileKernel] method into a <see cref="KernelModel"/>: signature checks, then the tile IR
/// of every constexpr specialization.</summary>
internal static class KernelParser
{
    public const int MaxSpecializations = 64;

    public static KernelModel Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        var method = (IMethodSymbol)context.TargetSymbol;
        var diagnostics = new List<DiagnosticInfo>();
        var site = SourceSite.From(syntax.Identifier.GetLocation());
        void Report(DiagnosticDescriptor d, Location location, params object[] args)
            => diagnostics.Add(DiagnosticInfo.Create(d, SourceSite.From(location), args));

        int Named(string key, int fallback) => context.Attributes[0].NamedArguments.FirstOrDefault(a => a.Key == key).Value.Value as int? ?? fallback;
        int numWarps = Named("NumWarps", 4);
        if (numWarps is < 1 or > 32 || (numWarps & (numWarps - 1)) != 0)
            Report(DiagnosticDescriptors.NumWarps, syntax.Identifier.GetLocation(), method.Name, numWarps);
        int minPrograms = Named("MinProgramsPerSM", 0);
        if (minPrograms is < 0 or > 32)
            Report(DiagnosticDescriptors.MinProgramsPerSM, syntax.Identifier.GetLocation(), method.Name, minPrograms);
        int numStages = Named("NumStages", 1);
        if (numStages is < 1 or > 8)
            Report(DiagnosticDescriptors.NumStages, syntax.Identifier.GetLocation(), method.Name, numStages);
        if (!method.IsStatic) Report(DiagnosticDescriptors.KernelNotStatic, syntax.Identifier.GetLocation(), method.Name);
        if (method.IsGenericMethod || IsInGenericType(method))
            Report(DiagnosticDescriptors.KernelGeneric, syntax.Identifier.GetLocation(), method.Name);
        if (!method.ReturnsVoid) Report(DiagnosticDescriptors.KernelReturnsValue, syntax.ReturnType.GetLocation(), method.Name);

        var containingTypes = new List<string>();
        for (var node = syntax.Parent as TypeDeclarationSyntax; node is not null; node = node.Parent as TypeDeclarationSyntax)
        {
            if (!node.Modifiers.Any(SyntaxKind.PartialKeyword))
                Report(DiagnosticDescriptors.TypeNotPartial, node.Identifier.GetLocation(), node.Identifier.Text, method.Name);
            string keyword = node is RecordDeclarationSyntax record
                ? "record" + (record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? " struct" : "")
                : node.Keyword.Text;
            containingTypes.Insert(0, $"partial {keyword} {node.Identifier.Text}");
        }

        var parameters = new List<(IParameterSymbol, KernelParameter)>();
        foreach (var p in method.Parameters)
        {
            var model = Parameter(p, Report);
            if (model is not null) parameters.Add((p, model));
        }

        var models = parameters.Select(p => p.Item2).ToEquatableArray();
        var specializations = new List<Specialization>();
        var constexprModels = models.Where(p => p.Kind == ParameterKind.Constexpr).ToList();
        var combinations = Combinations(constexprModels.Select(p => p.ConstexprValues).ToList());
        int pointerCount = models.Count(p => p.Kind == ParameterKind.Pointer);
        if (pointerCount > KernelModel.MaxKernelParameters - 1)
            Report(DiagnosticDescriptors.TooManyPointers, syntax.Identifier.GetLocation(), method.Name, pointerCount, KernelModel.MaxKernelParameters - 1);
        if (combinations.Count > MaxSpecializations)
            Report(DiagnosticDescriptors.TooManySpecializations, syntax.Identifier.GetLocation(), method.Name, combinations.Count, MaxSpecializations);
        else if (diagnostics.Count == 0 && parameters.Count == method.Parameters.Length
                 && context.SemanticModel.GetOperation(syntax, cancellationToken) is IMethodBodyOperation body)
        {
            try
            {
                foreach (var values in combinations)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var spec = BodyWalker.Parse(method, context.SemanticModel.Compilation, body, parameters, values,
                        WarpsOf(constexprModels, values, numWarps), diagnostics);
                    if (spec is null) break;
                    specializations.Add(spec);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Report(DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(), method.Name, "parsing", $"{e.GetType().Name} in {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}: {e.Message}");
            }
        }

        string ns = method.ContainingNamespace.IsGlobalNamespace ? "" : method.ContainingNamespace.ToDisplayString();
        string typeFullName = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        string overload = Overload(method);
        string hint = (ns.Length > 0 ? ns + "." : "") + string.Join(".", containingTypes.Select(t => t.Split(' ').Last())) + "." + method.Name
            + (overload.Length > 0 ? "." + overload : "");
        bool complete = diagnostics.Count == 0 && specializations.Count == combinations.Count;
        return new KernelModel(
            hint + ".g.cs",
            ns,
            containingTypes.ToEquatableArray(),
            typeFullName,
            method.Name,
            overload,
            numWarps,
            minPrograms,
            numStages,
            models,
            complete ? specializations.ToEquatableArray() : EquatableArray<Specialization>.Empty,
            diagnostics.ToEquatableArray(),
            site)
        {
            InPublicTypes = InPublicTypes(method),
        };
    }

    private static bool InPublicTypes(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            if (type.DeclaredAccessibility != Accessibility.Public) return false;
        return true;
    }

    /// <summary>
    /// "" when no other [TileKernel] method of the type has this name, else the kernel's number among them (from 1,
    /// in the order of their signatures): the generated members of overloads carry it, so they stay apart.
    /// </summary>
    private static string Overload(IMethodSymbol method)
    {
        var overloads = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Where(OpBinding.IsTileKernel)
            .Select(m => m.ToDisplayString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
        return overloads.Count < 2 ? "" : (overloads.IndexOf(method.ToDisplayString()) + 1).ToString();
    }

    private static KernelParameter? Parameter(IParameterSymbol p, Action<DiagnosticDescriptor, Location, object[]> report)
    {
        var location = p.Locations.FirstOrDefault() ?? Location.None;
        if (p.RefKind != RefKind.None || p.IsParams)
        {
            report(DiagnosticDescriptors.ParameterModifier, location, new object[] { p.Name, p.ContainingSymbol.Name, p.IsParams ? "params" : p.RefKind.ToString().ToLowerInvariant() });
            return null;
        }
        var constexpr = p.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "TileDsl.ConstexprAttribute");
        if (constexpr is not null)
        {
            var values = ConstexprValues(constexpr);
            var warps = ConstexprWarps(constexpr);
            string? problem = p.Type.SpecialType != SpecialType.System_Int32 ? $"has type '{p.Type.ToDisplayString()}'; constexpr parameters are int"
                : values.Count == 0 ? "lists no values; write [Constexpr(64, 128)] with the values to compile"
                : values.Distinct().Count() != values.Count ? "lists a value twice"
                : warps.Count > 0 && warps.Count != values.Count ? $"lists {warps.Count} Warps for {values.Count} values; give one per value, in the same order"
                : warps.Where(w => w is < 1 or > 32 || (w & (w - 1)) != 0).Select(w => (int?)w).FirstOrDefault() is int bad
                    ? $"lists {bad} in Warps; use powers of two from 1 to 32"
                : null;
            if (problem is not null)
            {
                report(DiagnosticDescriptors.ConstexprParameter, location, new object[] { p.Name, problem });
                return null;
            }
            return new KernelParameter(p.Name, ParameterKind.Constexpr, ElementType.Int, values.ToEquatableArray(), warps.ToEquatableArray());
        }

        if (ElementTypes.FromType(p.Type) is { } scalar && !ElementTypes.IsSixteenBit(scalar))
            return new KernelParameter(p.Name, ParameterKind.Scalar, scalar, EquatableArray<int>.Empty, EquatableArray<int>.Empty);
        if (p.Type is INamedTypeSymbol { Name: "Ptr", TypeArguments.Length: 1 } ptr
            && ptr.ContainingNamespace?.ToDisplayString() == "TileDsl"
            && ElementTypes.FromType(ptr.TypeArguments[0]) is { } element
            && ElementTypes.Accepts(element, OpClass.Memory))
            return new KernelParameter(p.Name, ParameterKind.Pointer, element, EquatableArray<int>.Empty, EquatableArray<int>.Empty);
        if (p.Type.TypeKind != TypeKind.Error)
            report(DiagnosticDescriptors.ParameterType, location, new object[] { p.Name, p.Type.ToDisplayString() });
        return null;
    }

    /// <summary>
    /// Warps per program of one specialization: the most that the constexpr parameters listing Warps ask for at its
    /// values, else the kernel's.
    /// </summary>
    private static int WarpsOf(List<KernelParameter> constexprs, EquatableArray<int> values, int kernelWarps)
    {
        var asked = constexprs.Select((p, i) => p.Warps.Count > 0 ? p.Warps[Array.IndexOf(p.ConstexprValues.ToArray(), values[i])] : 0);
        int most = asked.DefaultIfEmpty(0).Max();
        return most > 0 ? most : kernelWarps;
    }

    /// <summary>The values listed in a [Constexpr(...)] attribute.</summary>
    public static List<int> ConstexprValues(AttributeData constexpr)
        => constexpr.ConstructorArguments.FirstOrDefault() is { Kind: TypedConstantKind.Array } array
            ? array.Values.Select(v => v.Value).OfType<int>().ToList()
            : new List<int>();

    /// <summary>The Warps listed in a [Constexpr(...)] attribute, or none.</summary>
    private static List<int> ConstexprWarps(AttributeData constexpr)
        => constexpr.NamedArguments.FirstOrDefault(a => a.Key == "Warps").Value is { Kind: TypedConstantKind.Array, IsNull: false } array
            ? array.Values.Select(v => v.Value).OfType<int>().ToList()
            : new List<int>();

    private static bool IsInGenericType(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            if (type.IsGenericType) return true;
        return false;
    }

    private static List<EquatableArray<int>> Combinations(List<EquatableArray<int>> sets)
    {
        var result = new List<int[]> { new int[0] };
        foreach (var set in sets)
        {
            result = result.SelectMany(prefix => set.Select(v => prefix.Concat(new[] { v }).ToArray())).ToList();
            if (result.Count > MaxSpecializations) break;
        }
        return result.Select(r => r.ToEquatableArray()).ToList();
    }
}
