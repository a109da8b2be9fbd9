using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Dot: [M, K] × [K, N] (+ [M, N]) of float or double tiles, accumulated in the operands' type; of 16-bit float
/// tiles, a float result (Triton's default out_dtype): their products are exact in float. Operands of one 16-bit
/// type stay 16-bit (Lowering runs them on tensor cores where the shapes allow).</summary>
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
        // Tl's overloads take two tiles of one type: 16-bit ones stay 16-bit (tensor cores take them as they are).
        var result = ElementTypes.IsSixteenBit(ta.Element) ? ElementType.Float : ta.Element;
        if (acc is not null && b.Type(acc.Value).Element != result)
            throw new SemanticError(DiagnosticDescriptors.ElementTypeNotSupported, "Dot", $"{ElementTypes.CsName(ta.Element)} tiles into a {ElementTypes.CsName(b.Type(acc.Value).Element)} accumulator",
                $"the accumulator of {ElementTypes.CsName(ta.Element)} tiles is {ElementTypes.CsName(result)}") { At = accSite };
        var type = new TileType(result, shape);
        return b.DefineComputed(type, id => new DotOp(id, type, a, bOperand, acc), what);
    }
}
