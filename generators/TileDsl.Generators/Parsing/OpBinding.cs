using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TileDsl.Generators.Parsing;

/// <summary>How C# symbols and operators map to the ops of the language.</summary>
internal static class OpBinding
{
    /// <summary>The op a DSL method, operator or indexer names with [TileOp], or null.</summary>
    public static TileOpKind? KindOf(ISymbol symbol)
    {
        var attribute = Attribute(symbol.OriginalDefinition, "TileOpAttribute");
        return attribute?.ConstructorArguments.FirstOrDefault().Value is int kind ? (TileOpKind)kind : null;
    }

    /// <summary>Whether a DSL method's double parameters are weakly typed literals ([TileOp(..., WeakLiteral = true)]).</summary>
    public static bool IsWeakLiteral(IMethodSymbol method)
        => Attribute(method.OriginalDefinition, "TileOpAttribute")?.NamedArguments.Any(a => a.Key == "WeakLiteral" && a.Value.Value is true) == true;

    public static bool IsTileKernel(IMethodSymbol method) => Attribute(method.OriginalDefinition, "TileKernelAttribute") is not null;

    public static bool IsTileFunction(IMethodSymbol method) => Attribute(method.OriginalDefinition, "TileFunctionAttribute") is not null;

    /// <summary>The op of a C# built-in binary operator on scalars, or null.</summary>
    public static TileOpKind? Builtin(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => TileOpKind.Add,
        BinaryOperatorKind.Subtract => TileOpKind.Sub,
        BinaryOperatorKind.Multiply => TileOpKind.Mul,
        BinaryOperatorKind.Divide => TileOpKind.Div,
        BinaryOperatorKind.Remainder => TileOpKind.Rem,
        BinaryOperatorKind.LeftShift => TileOpKind.Shl,
        BinaryOperatorKind.RightShift => TileOpKind.Shr,
        BinaryOperatorKind.And or BinaryOperatorKind.ConditionalAnd => TileOpKind.And,
        BinaryOperatorKind.Or or BinaryOperatorKind.ConditionalOr => TileOpKind.Or,
        BinaryOperatorKind.ExclusiveOr => TileOpKind.Xor,
        BinaryOperatorKind.LessThan => TileOpKind.Lt,
        BinaryOperatorKind.LessThanOrEqual => TileOpKind.Le,
        BinaryOperatorKind.GreaterThan => TileOpKind.Gt,
        BinaryOperatorKind.GreaterThanOrEqual => TileOpKind.Ge,
        BinaryOperatorKind.Equals => TileOpKind.Eq,
        BinaryOperatorKind.NotEquals => TileOpKind.Ne,
        _ => null,
    };

    /// <summary>The op of a C# built-in unary operator on scalars, or null (<c>+x</c> is x itself).</summary>
    public static TileOpKind? Builtin(UnaryOperatorKind kind) => kind switch
    {
        UnaryOperatorKind.Minus => TileOpKind.Neg,
        UnaryOperatorKind.Not => TileOpKind.Not,
        UnaryOperatorKind.BitwiseNegation => TileOpKind.BitNot,
        _ => null,
    };

    private static AttributeData? Attribute(ISymbol symbol, string name)
        => symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "TileDsl." + name);
}
