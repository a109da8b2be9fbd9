using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Dot: [M, K] × [K, N] (+ [M, N]) of float or double tiles, accumulated in the operands' type.</summary>
internal static class DotSemantics
{
    public static int Dot(IrBuilder b, int a, int bOperand, int? acc, Microsoft.CodeAnalysis.SyntaxNode? accSite, string what)
    {
        var ta = b.Type(a);
        var tb = b.Type(bOperand);
        ElementwiseSemantics.RequireAccepts(ta.Element, OpClass.Dot, "Dot", tile: true);
        if (ta.Rank != 2 || tb.Rank != 2 || ta.Shape[1] != tb.Shape[0])
            throw new SemanticError(DiagnosticDescriptors.DotShape, ta.ShapeText, tb.ShapeText, "");
        var shape = EquatableArray.Of(ta.Shape[0], tb.Shape[1]);
        if (acc is not null && !b.Type(acc.Value).Shape.Equals(shape))
            throw new SemanticError(DiagnosticDescriptors.DotShape, ta.ShapeText, tb.ShapeText, " with an accumulator of shape " + b.Type(acc.Value).ShapeText) { At = accSite };
        var type = new TileType(ta.Element, shape);
        return b.DefineComputed(type, id => new DotOp(id, type, a, bOperand, acc), what);
    }
}
