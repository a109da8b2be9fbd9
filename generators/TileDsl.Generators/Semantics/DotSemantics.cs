using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Dot: [M, K] × [K, N] (+ [M, N]) of float or double tiles, accumulated in the operands' type; of 16-bit float
/// tiles, a float result (Triton's default out_dtype): their products are exact in float.</summary>
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
        if (ElementTypes.IsSixteenBit(ta.Element))
        {
            a = ElementwiseSemantics.Cast(b, a, ElementType.Float, what);
            bOperand = ElementwiseSemantics.Cast(b, bOperand, ElementType.Float, what);
        }
        var type = new TileType(b.Type(a).Element, shape);
        return b.DefineComputed(type, id => new DotOp(id, type, a, bOperand, acc), what);
    }
}
