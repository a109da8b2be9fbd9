using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// [TileFunction] helpers: a call is inlined, its body walked with the helper's parameters bound to the caller's
/// values (constants stay constants, so block sizes still shape tiles), its return value the call's value.
/// </summary>
internal sealed partial class BodyWalker
{
    /// <summary>The value of a helper call (null for a void helper).</summary>
    private int? InlineHelper(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var definition = method.OriginalDefinition;
        string name = definition.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        if (!definition.IsStatic)
            throw Report(DiagnosticDescriptors.TileFunction, invocation, name, "must be static");
        for (var s = scope; s is not null; s = s.Caller)
            if (SymbolEqualityComparer.Default.Equals(s.Method.OriginalDefinition, definition))
                throw Report(DiagnosticDescriptors.TileFunction, invocation, name, "calls itself: helpers are inlined where they are called, so they cannot recurse; write the recursion as a loop");
        if (definition.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not MethodDeclarationSyntax syntax
            || compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax) is not IMethodBodyOperation body
            || (body.BlockBody ?? body.ExpressionBody) is not { } block)
            throw Report(DiagnosticDescriptors.TileFunction, invocation, name, "has no source in this compilation: helpers are inlined from their source; define it in this project");
        foreach (var parameter in definition.Parameters.Where(p => p.RefKind != RefKind.None || p.IsParams))
            throw Report(DiagnosticDescriptors.TileFunction, parameter.DeclaringSyntaxReferences[0].GetSyntax(), name,
                $"takes '{parameter.Name}' by reference or as params: helper parameters are values (tiles, scalars, pointers)");

        var args = ArgumentsInOrder(invocation).Select(a => Expression(a.Value)).ToList();
        var callee = new Scope(definition, scope);
        for (int i = 0; i < definition.TypeParameters.Length; i++)
        {
            var argument = method.TypeArguments[i];
            callee.TypeArguments[definition.TypeParameters[i]] = Guarded(invocation, () => ElementOf(argument));
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
}
