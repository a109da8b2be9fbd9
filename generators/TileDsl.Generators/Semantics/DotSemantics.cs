using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Dot: [M, K] × [K, N] (+ [M, N]) of float or double tiles, accumulated in the operands' type; of 16-bit float
/// tiles, a float result (Triton's default out_dtype): their products are exact in float. Operands of one 16-bit
/// type stay 16-bit (Lowering runs them on tensor cores where the shapes allow). Float tiles at
/// <c>InputPrecision.Tf32</c> run on tensor cores too, so their shapes must be multiples of 16 (TD0045).</summary>
internal static class DotSemantics
{
    public static int Dot(IrBuilder b, int a, int bOperand, int? acc, Microsoft.CodeAnalysis.SyntaxNode? accSite, string what, bool tf32 = false)
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
        // tf32 concerns float operands (16-bit ones are exact either way); it runs only on tensor cores
        // (Layout.MmaTiling), whose fragments tile M and N by 16 and K by 8 (16 here, as the 16-bit Dots' staging).
        tf32 &= ta.Element == ElementType.Float;
        if (tf32 && (ta.Shape[0] % 16 != 0 || tb.Shape[1] % 16 != 0 || ta.Shape[1] % 16 != 0))
            throw new SemanticError(DiagnosticDescriptors.Tf32Shape, ta.ShapeText, tb.ShapeText);
        var type = new TileType(result, shape);
        return b.DefineComputed(type, id => new DotOp(id, type, a, bOperand, acc, tf32), what);
    }
}
