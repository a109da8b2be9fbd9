using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// [TileFunction] helpers: a call is inlined, its body walked with the helper's parameters bound to the caller's
/// values (constants stay constants, so block sizes still shape tiles), its return value the call's value.
/// </summary>
internal sealed partial class BodyWalker
{
    /// <summary>The value of a helper call (null for a void helper).</summary>
    private int? InlineHelper(IInvocationOperation invocation)
        => Inline(invocation.TargetMethod, invocation, () => ArgumentsInOrder(invocation).Select(a => Expression(a.Value)).ToList());

    /// <summary>
    /// Walks the body of helper <paramref name="method"/> in place, its parameters bound to the values
    /// <paramref name="arguments"/> gives (after the checks, which are reported at <paramref name="at"/>); its result,
    /// or null for a void helper.
    /// </summary>
    private int? Inline(IMethodSymbol method, IOperation at, Func<List<int>> arguments)
    {
        if (IsTuple(method.ReturnType)) throw TupleValue(at);
        var returned = InlineValues(method, at, arguments);
        // An unnamed scalar result takes the helper's name, so that the kernel computes it once into a local (unnamed
        // scalars are written out where they are read).
        if (returned is { Length: 1 } && returned[0] is var value && b.Type(value).IsScalar)
            return b.Named(value, char.ToLowerInvariant(method.Name[0]) + method.Name.Substring(1));
        return returned?[0];
    }

    /// <summary>As <see cref="Inline"/>: the helper's result, or its components when it returns a tuple.</summary>
    private int[]? InlineValues(IMethodSymbol method, IOperation at, Func<List<int>> arguments)
    {
        var definition = method.OriginalDefinition;
        string name = definition.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        if (!definition.IsStatic)
            throw Report(DiagnosticDescriptors.TileFunction, at, name, "must be static");
        for (var s = scope; s is not null; s = s.Caller)
            if (SymbolEqualityComparer.Default.Equals(s.Method.OriginalDefinition, definition))
                throw Report(DiagnosticDescriptors.TileFunction, at, name, "calls itself: helpers are inlined where they are called, so they cannot recurse; write the recursion as a loop");
        if (definition.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not MethodDeclarationSyntax syntax
            || compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax) is not IMethodBodyOperation body
            || (body.BlockBody ?? body.ExpressionBody) is not { } block)
            throw Report(DiagnosticDescriptors.TileFunction, at, name, "has no source in this compilation: helpers are inlined from their source; define it in this project");
        foreach (var parameter in definition.Parameters.Where(p => p.RefKind != RefKind.None || p.IsParams))
            throw Report(DiagnosticDescriptors.TileFunction, parameter.DeclaringSyntaxReferences[0].GetSyntax(), name,
                $"takes '{parameter.Name}' by reference or as params: helper parameters are values (tiles, scalars, pointers)");

        var args = arguments();
        var callee = new Scope(definition, scope);
        for (int i = 0; i < definition.TypeParameters.Length; i++)
        {
            var argument = method.TypeArguments[i];
            callee.TypeArguments[definition.TypeParameters[i]] = Guarded(at, () => ElementOf(argument));
        }
        for (int i = 0; i < definition.Parameters.Length; i++) callee.Values[definition.Parameters[i]] = args[i];

        var caller = scope;
        bool failedBefore = failed;
        failed = false;
        scope = callee;
        try
        {
            Statements(block.Operations, topLevel: true);
        }
        finally
        {
            scope = caller;
        }
        bool helperFailed = failed;
        failed = failedBefore || helperFailed;
        if (helperFailed) throw Silent();
        if (!definition.ReturnsVoid && callee.Returned is null)
            throw Report(DiagnosticDescriptors.TileFunction, syntax.Identifier.Parent!, name, "must end with 'return value;'");
        return callee.Returned;
    }

    /// <summary>
    /// The combiner of Reduce or AssociativeScan (<paramref name="kind"/>) over <paramref name="elements"/> values (one,
    /// or k tiles reduced together): the static [TileFunction] method passed by name, inlined on 2·k scalar parameters
    /// (the left operand's components, then the right one's) into a program of its own, apart from the kernel's
    /// statements and outside any runtime if. TD0038 for anything else, or for a body that computes more than scalars
    /// from its parameters.
    /// </summary>
    private Combiner Combiner(IArgumentOperation argument, TileOpKind kind, IReadOnlyList<ElementType> elements)
    {
        var value = argument.Value;
        int k = elements.Count;
        string example = k == 1 ? "e.g. '[TileFunction] static float Larger(float a, float b) => Maximum(a, b);' and pass 'Larger'"
            : "e.g. '[TileFunction] static (float, int) ArgMax(float a, int ia, float b, int ib) => b > a || (b == a && ib < ia) ? (b, ib) : (a, ia);' and pass 'ArgMax'";
        string signature = k == 1 ? "(T a, T b) => T" : $"of {2 * k} scalars returning a {k}-tuple";
        if (value is not IDelegateCreationOperation { Target: IMethodReferenceOperation { Method: var method } })
            throw Report(DiagnosticDescriptors.Combiner, value, kind, value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation } ? "is a lambda" : $"'{value.Syntax}' is not a method name",
                $"pass the name of a static [TileFunction] method {signature}, {example}");
        string name = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        if (!OpBinding.IsTileFunction(method))
            throw Report(DiagnosticDescriptors.Combiner, value, kind, $"'{name}' is not a [TileFunction] method",
                method.DeclaringSyntaxReferences.IsEmpty ? $"the generator inlines a combiner from its source in the DSL: write one with the ops of Tl, {example}"
                    : "mark it [TileFunction] (the generator inlines it from its source, so its body is written in the DSL)");

        var parameters = Enumerable.Range(0, 2 * k)
            .Select(i => b.Create(id => new CombinerParamOp(id, TileType.Scalar(elements[i % k]), i) { Name = method.Parameters[i].Name }))
            .ToEquatableArray();
        var outer = (b.Current, b.Predicate, b.Combining, branch, exited);
        (b.Current, b.Predicate, b.Combining, branch, exited) = (new List<Statement>(), null, kind, null, null);
        try
        {
            var results = (k == 1 ? Inline(method, value, () => parameters.Select(p => p.Id).ToList()) is { } one ? new[] { one } : null
                : InlineValues(method, value, () => parameters.Select(p => p.Id).ToList())) ?? throw Silent();
            var body = b.Current.Cast<Define>().Select(d => d.Op).ToEquatableArray();
            return new Combiner(method.Name, parameters, body, results.ToEquatableArray());
        }
        finally
        {
            (b.Current, b.Predicate, b.Combining, branch, exited) = outer;
        }
    }
}
