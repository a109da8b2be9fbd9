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
        // An unnamed scalar result takes the helper's name, so that the kernel computes it once into a local (unnamed
        // scalars are written out where they are read).
        if (callee.Returned is { } returned && b.Type(returned).IsScalar)
            return b.Named(returned, char.ToLowerInvariant(definition.Name[0]) + definition.Name.Substring(1));
        return callee.Returned;
    }

    /// <summary>
    /// The combiner of Reduce or AssociativeScan (<paramref name="kind"/>) over <paramref name="element"/> values: the
    /// static [TileFunction] method passed by name, inlined on two scalar parameters into a program of its own, apart
    /// from the kernel's statements and outside any runtime if. TD0038 for anything else, or for a body that computes
    /// more than scalars from its parameters.
    /// </summary>
    private Combiner Combiner(IArgumentOperation argument, TileOpKind kind, ElementType element)
    {
        var value = argument.Value;
        const string example = "e.g. '[TileFunction] static float Larger(float a, float b) => Maximum(a, b);' and pass 'Larger'";
        if (value is not IDelegateCreationOperation { Target: IMethodReferenceOperation { Method: var method } })
            throw Report(DiagnosticDescriptors.Combiner, value, kind, value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation } ? "is a lambda" : $"'{value.Syntax}' is not a method name",
                $"pass the name of a static [TileFunction] method (T a, T b) => T, {example}");
        string name = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        if (!OpBinding.IsTileFunction(method))
            throw Report(DiagnosticDescriptors.Combiner, value, kind, $"'{name}' is not a [TileFunction] method",
                method.DeclaringSyntaxReferences.IsEmpty ? $"the generator inlines a combiner from its source in the DSL: write one with the ops of Tl, {example}"
                    : "mark it [TileFunction] (the generator inlines it from its source, so its body is written in the DSL)");

        var type = TileType.Scalar(element);
        var a = b.Create(id => new CombinerParamOp(id, type, 0) { Name = method.Parameters[0].Name });
        var c = b.Create(id => new CombinerParamOp(id, type, 1) { Name = method.Parameters[1].Name });
        var outer = (b.Current, b.Predicate, b.Combining, branch, exited);
        (b.Current, b.Predicate, b.Combining, branch, exited) = (new List<Statement>(), null, kind, null, null);
        try
        {
            int result = Inline(method, value, () => new List<int> { a.Id, c.Id }) ?? throw Silent();
            var body = b.Current.Cast<Define>().Select(d => d.Op).ToEquatableArray();
            return new Combiner(method.Name, a, c, body, result);
        }
        finally
        {
            (b.Current, b.Predicate, b.Combining, branch, exited) = outer;
        }
    }
}
