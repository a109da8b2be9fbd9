using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Sum, Max, Min, Argmax, Argmin and Reduce (by a combiner): over all elements or along an axis, with or
/// without keeping it; the scans Cumsum, Cumprod and AssociativeScan (by a combiner) along an axis.</summary>
internal static class ReduceSemantics
{
    /// <summary>
    /// Along <paramref name="axis"/>, or over all elements when it is null (a 2-D tile: axis 1, then 0);
    /// <paramref name="combine"/> is Reduce's combiner.
    /// </summary>
    public static int Reduce(IrBuilder b, TileOpKind kind, int source, int? axis, bool keepDims, string what, Combiner? combine = null)
    {
        RequireOperand(b, kind, source);
        var type = b.Type(source);
        if (kind == TileOpKind.Sum && ElementTypes.IsSixteenBit(type.Element))
            return Accumulated(b, source, what, wide => Reduce(b, kind, wide, axis, keepDims, what));
        if (axis is null)
        {
            if (kind is TileOpKind.Argmax or TileOpKind.Argmin && type.Rank != 1)
                throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, $"{kind} over all elements of a 2-D tile", $"reduce one axis at a time: {kind}(x, axis)");
            int value = source;
            for (int a = type.Rank - 1; a >= 0; a--) value = Along(b, kind, value, a, false, what, combine);
            return value;
        }
        return Along(b, kind, source, axis.Value, keepDims, what, combine);
    }

    /// <summary>Cumsum, Cumprod or AssociativeScan (by <paramref name="combine"/>) along <paramref name="axis"/>, from the
    /// end of each line when <paramref name="reverse"/>: a tile of the same type.</summary>
    public static int Scan(IrBuilder b, TileOpKind kind, int source, int axis, bool reverse, string what, Combiner? combine = null)
    {
        RequireOperand(b, kind, source);
        var type = b.Type(source);
        if (ElementTypes.IsSixteenBit(type.Element)) return Accumulated(b, source, what, wide => Scan(b, kind, wide, axis, reverse, what));
        return b.DefineComputed(type, id => new ScanOp(id, type, kind, source, axis, reverse) { Combine = combine }, what);
    }

    /// <summary>
    /// Reduce of the tiles <paramref name="sources"/> (one shape) together by <paramref name="combine"/>, a combiner of
    /// 2·k scalars returning k: along <paramref name="axis"/>, or over all elements when it is null (a 2-D tile: axis 1,
    /// then 0). The k results, one op each (a <see cref="TupleGroup"/>).
    /// </summary>
    public static int[] ReduceTuple(IrBuilder b, int[] sources, int? axis, bool keepDims, string what, Combiner combine)
    {
        if (axis is not null) return AlongTuple(b, sources, axis.Value, keepDims, what, combine);
        for (int a = b.Type(sources[0]).Rank - 1; a >= 0; a--) sources = AlongTuple(b, sources, a, false, what, combine);
        return sources;
    }

    /// <summary>AssociativeScan of the tiles <paramref name="sources"/> (one shape) together along <paramref name="axis"/>.</summary>
    public static int[] ScanTuple(IrBuilder b, int[] sources, int axis, bool reverse, string what, Combiner combine)
    {
        var types = sources.Select(s => b.Type(s)).ToArray();
        return b.DefineGroup(types, what, (j, group) =>
            new ScanOp(group[j], types[j], TileOpKind.AssociativeScan, sources[0], axis, reverse)
            {
                Combine = combine,
                Tuple = new TupleGroup(sources.ToEquatableArray(), group, j),
            });
    }

    private static int[] AlongTuple(IrBuilder b, int[] sources, int axis, bool keepDims, string what, Combiner combine)
    {
        var shape = ShapeRules.Reduced(b.Type(sources[0]).Shape, axis, keepDims).ToEquatableArray();
        var types = sources.Select(s => new TileType(b.Type(s).Element, shape)).ToArray();
        return b.DefineGroup(types, what, (j, group) =>
            new ReduceOp(group[j], types[j], TileOpKind.Reduce, sources[0], axis, keepDims)
            {
                Combine = combine,
                Tuple = new TupleGroup(sources.ToEquatableArray(), group, j),
            });
    }

    /// <summary>TD0046 unless a tile reduced or scanned together with <paramref name="first"/> has its shape (Triton's rule).</summary>
    public static void RequireSameShape(IrBuilder b, TileOpKind kind, int first, int other)
    {
        var shape = b.Type(first).Shape;
        if (!b.Type(other).Shape.Equals(shape))
            throw new SemanticError(DiagnosticDescriptors.Tuple, $"This tile of shape {b.Type(other).ShapeText}", $"is combined by {kind} with a first tile of shape {b.Type(first).ShapeText}",
                $"the tiles of a tuple {kind} need one shape: broadcast it first, e.g. 'BroadcastTo(x, {string.Join(", ", shape)})'");
    }

    /// <summary>TD0011 for a scalar operand, TD0034 for an element type the op is not defined for.</summary>
    public static void RequireOperand(IrBuilder b, TileOpKind kind, int source)
    {
        var type = b.Type(source);
        if (type.IsScalar)
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, $"{kind} of a scalar", $"{kind} takes a tile");
        var family = kind switch
        {
            TileOpKind.Sum or TileOpKind.Cumsum or TileOpKind.Cumprod => OpClass.Arithmetic,
            TileOpKind.Reduce or TileOpKind.AssociativeScan => OpClass.Combine,
            _ => OpClass.Ordered,
        };
        ElementwiseSemantics.RequireAccepts(type.Element, family, kind.ToString(), tile: true);
    }

    /// <summary>A sum or product of 16-bit floats: accumulated in float, the result rounded back once (as Triton does).</summary>
    private static int Accumulated(IrBuilder b, int source, string what, System.Func<int, int> reduce)
        => ElementwiseSemantics.Cast(b, reduce(ElementwiseSemantics.Cast(b, source, ElementType.Float, what)), b.Type(source).Element, what);

    /// <summary>TD0011 unless <paramref name="axis"/> is an axis of <paramref name="source"/>.</summary>
    public static void RequireAxis(IrBuilder b, int source, int axis, string op)
    {
        var type = b.Type(source);
        if (!type.IsScalar && (axis < 0 || axis >= type.Rank))
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, $"Axis {axis} of a tile of shape {type.ShapeText}", $"use an axis from 0 to {type.Rank - 1} for {op}");
    }

    private static int Along(IrBuilder b, TileOpKind kind, int source, int axis, bool keepDims, string what, Combiner? combine)
    {
        var type = b.Type(source);
        var shape = ShapeRules.Reduced(type.Shape, axis, keepDims).ToEquatableArray();
        var result = new TileType(kind is TileOpKind.Argmax or TileOpKind.Argmin ? ElementType.Int : type.Element, shape);
        return b.DefineComputed(result, id => new ReduceOp(id, result, kind, source, axis, keepDims) { Combine = combine }, what);
    }
}
