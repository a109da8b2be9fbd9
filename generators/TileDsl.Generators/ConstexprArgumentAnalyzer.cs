using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;

namespace TileDsl.Generators;

/// <summary>
/// TD0022 at call sites: a constant passed to a [Constexpr] parameter (of a kernel or its generated launcher) that
/// has no compiled specialization. Non-constant arguments are checked at launch instead.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConstexprArgumentAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ConstexprNotCompiled);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attribute = start.Compilation.GetTypeByMetadataName("TileDsl.ConstexprAttribute");
            if (attribute is null) return;
            start.RegisterOperationAction(ctx => Check(ctx, (IInvocationOperation)ctx.Operation, attribute), OperationKind.Invocation);
        });
    }

    private static void Check(OperationAnalysisContext context, IInvocationOperation invocation, INamedTypeSymbol attribute)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { } parameter || argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
            var constexpr = parameter.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));
            if (constexpr is null || argument.Value.ConstantValue is not { HasValue: true, Value: int value }) continue;
            var compiled = Parsing.KernelParser.ConstexprValues(constexpr);
            if (compiled.Contains(value)) continue;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConstexprNotCompiled, argument.Value.Syntax.GetLocation(),
                parameter.Name, value, string.Join(", ", compiled)));
        }
    }
}
