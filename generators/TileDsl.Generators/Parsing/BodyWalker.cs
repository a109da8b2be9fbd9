using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// Parse: walks a kernel's Roslyn operation tree (types and overloads already resolved by C#) for one constexpr
/// specialization and hands each op to its semantics (Semantics/), which type it and build the tile IR. The walker
/// only follows syntax: statements, locals, loops, calls. Unsupported code becomes a TD diagnostic; C# errors stop
/// it silently (the compiler reports those).
/// </summary>
internal sealed partial class BodyWalker
{
    private readonly IMethodSymbol kernel;
    private readonly Compilation compilation;
    private readonly IrBuilder b;
    private readonly List<DiagnosticInfo> diagnostics;
    private Scope scope;
    private bool failed;

    private BodyWalker(IMethodSymbol kernel, Compilation compilation, int numThreads, List<DiagnosticInfo> diagnostics)
    {
        this.kernel = kernel;
        this.compilation = compilation;
        this.diagnostics = diagnostics;
        b = new IrBuilder(numThreads);
        scope = new Scope(kernel, null);
    }

    /// <summary>The IR of one specialization, or null when the body has errors (reported to <paramref name="diagnostics"/>).</summary>
    public static Specialization? Parse(
        IMethodSymbol kernel,
        Compilation compilation,
        IMethodBodyOperation body,
        IReadOnlyList<(IParameterSymbol Parameter, KernelParameter Model)> parameters,
        EquatableArray<int> constexprValues,
        int numWarps,
        List<DiagnosticInfo> diagnostics)
    {
        var walker = new BodyWalker(kernel, compilation, numWarps * 32, diagnostics);
        int constexprIndex = 0;
        foreach (var (symbol, model) in parameters)
        {
            walker.scope.Values[symbol] = model.Kind switch
            {
                ParameterKind.Constexpr => walker.b.Constant(constexprValues[constexprIndex++], ElementType.Int),
                ParameterKind.Pointer => MemorySemantics.Parameter(walker.b, model.Name, model.Element),
                _ => walker.b.Define(id => new ParamOp(id, TileType.Scalar(model.Element), model.Name) { Name = model.Name }),
            };
        }
        var block = body.BlockBody ?? body.ExpressionBody;
        if (block is null) return null;
        walker.Statements(block.Operations, topLevel: true);
        return walker.failed ? null : new Specialization(constexprValues, numWarps, walker.b.Statements());
    }

    /// <summary>What the names of a kernel or helper body stand for: locals and parameters (value ids), and for a
    /// generic helper, its type parameters' element types.</summary>
    private sealed class Scope
    {
        public Scope(IMethodSymbol method, Scope? caller)
        {
            Method = method;
            Caller = caller;
        }

        public IMethodSymbol Method { get; }

        public Scope? Caller { get; }

        public Dictionary<ISymbol, int> Values { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Locals whose value could not be computed (reported): reading them stops silently.</summary>
        public HashSet<ILocalSymbol> Poisoned { get; } = new(SymbolEqualityComparer.Default);

        public Dictionary<ITypeParameterSymbol, ElementType> TypeArguments { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>A helper's result (the components of a tuple), once its return statement is walked.</summary>
        public int[]? Returned { get; set; }

        public bool IsHelper => Caller is not null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Types

    private ElementType ElementOf(ITypeSymbol type)
    {
        if (ElementTypes.FromType(type) is { } element) return element;
        if (type is ITypeParameterSymbol parameter)
        {
            for (var s = scope; s is not null; s = s.Caller)
                if (s.TypeArguments.TryGetValue(parameter, out var bound)) return bound;
        }
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.ContainingNamespace?.ToDisplayString() == "TileDsl"
            && named.Name is "Tile" or "Ptr" or "PtrTile")
            return ElementOf(named.TypeArguments[0]);
        if (type.TypeKind == TypeKind.Error) throw Silent();
        throw new SemanticError(DiagnosticDescriptors.UnsupportedType, type.ToDisplayString());
    }

    private static List<IArgumentOperation> ArgumentsInOrder(IInvocationOperation invocation)
        => invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();

    private static bool IsDefault(IArgumentOperation? argument) => argument is null || argument.ArgumentKind == ArgumentKind.DefaultValue;

    // ---------------------------------------------------------------------------------------------------------------
    // Diagnostics

    /// <summary>Thrown once a problem is reported (or is a C# error): the walker goes on with the next statement.</summary>
    private sealed class AbortException : Exception
    {
    }

    private AbortException Report(DiagnosticDescriptor descriptor, IOperation op, params object[] args)
        => Report(descriptor, op.Syntax, args);

    private AbortException Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] args)
    {
        failed = true;
        var info = DiagnosticInfo.Create(descriptor, SourceSite.From(syntax.GetLocation()), args);
        if (!diagnostics.Contains(info)) diagnostics.Add(info);
        return new AbortException();
    }

    private AbortException Silent()
    {
        failed = true;
        return new AbortException();
    }

    private static string Describe(IOperation op) => op switch
    {
        ITryOperation => "try/catch/finally",
        IThrowOperation => "Throwing an exception",
        ISwitchOperation => "A switch statement",
        IUsingOperation => "A using statement",
        ILockOperation => "A lock statement",
        IBranchOperation branch => $"'{branch.Syntax.ToString().TrimEnd(';')}'",
        ILocalFunctionOperation => "A local function",
        IReturnOperation => "Returning a value",
        IAnonymousFunctionOperation or IDelegateCreationOperation => "A lambda",
        IObjectCreationOperation creation => $"Creating a '{creation.Type?.ToDisplayString()}'",
        IArrayCreationOperation or IArrayElementReferenceOperation => "Arrays",
        IFieldReferenceOperation field => $"Reading field '{field.Field.Name}'",
        IPropertyReferenceOperation property => $"Reading property '{property.Property.Name}'",
        IInterpolatedStringOperation or ILiteralOperation { Type.SpecialType: SpecialType.System_String } => "A string",
        IAwaitOperation => "'await'",
        IIsPatternOperation or IIsTypeOperation => "A type or pattern test",
        _ => $"'{op.Syntax}'",
    };

    private static string StatementAdvice(IOperation op) => op switch
    {
        ITryOperation or IThrowOperation => "a kernel cannot catch or throw; mask off invalid elements instead",
        ISwitchOperation => "choose with Where(condition, a, b), or with 'if' on a [Constexpr] parameter",
        IBranchOperation => "a runtime loop ends at its bound or when its while condition fails: test the exit there ('while (more && x > tol)', setting 'more' in the body) and mask off the rest of the iteration's work",
        ILocalFunctionOperation => "move it out of the kernel as a [TileFunction] method",
        _ => "kernels are written with declarations, assignments, Store(...), runtime 'for' and 'while' loops, 'foreach' over StaticRange and 'if'",
    };

    private static string ExpressionAdvice(IOperation op) => op switch
    {
        IAnonymousFunctionOperation or IDelegateCreationOperation => "write the computation inline with tile ops, or as a [TileFunction] method",
        IFieldReferenceOperation => "pass the value as a kernel parameter, or declare it const",
        IPropertyReferenceOperation => "pass the value as a kernel parameter",
        IObjectCreationOperation or IArrayCreationOperation or IArrayElementReferenceOperation => "use tiles: Zeros, Full, Arange, Load",
        _ => "use the ops of TileDsl.Tl, the operators of tiles, and [TileFunction] methods",
    };
}
