using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Creating, viewing and broadcasting tiles: ProgramId, Arange, Zeros/Full, x[.., None], ExpandDims, Trans, Reshape, BroadcastTo.</summary>
internal static class ShapeSemantics
{
    /// <summary>TD0011 unless <paramref name="axis"/> is a program axis: 0, 1 or 2.</summary>
    public static void RequireProgramAxis(int axis, bool count)
    {
        if (axis is < 0 or > 2)
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, $"{(count ? "NumPrograms" : "ProgramId")}({axis})", "program axes are 0, 1 and 2");
    }

    /// <summary>ProgramId (NumPrograms when <paramref name="count"/>) along an axis that <see cref="RequireProgramAxis"/> accepted.</summary>
    public static int ProgramId(IrBuilder b, int axis, bool count)
        => b.Define(id => new ProgramIdOp(id, TileType.Scalar(ElementType.Int), axis, count));

    public static int Arange(IrBuilder b, int start, int end, string what)
    {
        RequirePowerOfTwo(end - start, "The length of Arange");
        var type = new TileType(ElementType.Int, EquatableArray.Of(end - start));
        return b.DefineComputed(type, id => new ArangeOp(id, type, start), what);
    }

    /// <summary><c>Zeros</c> (no fill value) or <c>Full</c> of a shape whose dimensions are constants.</summary>
    public static int Full(IrBuilder b, ElementType element, int[] shape, int? fill, string what)
    {
        for (int i = 0; i < shape.Length; i++) RequirePowerOfTwo(shape[i], $"Dimension {i} of {(fill is null ? "Zeros" : "Full")}");
        int value = fill ?? b.Constant(ElementTypes.Of(element).Zero, element);
        var type = new TileType(element, shape.ToEquatableArray());
        return b.DefineComputed(type, id => new FullOp(id, type, value), what);
    }

    /// <summary><c>x[.., None]</c> (axis 1) or <c>x[None, ..]</c> (axis 0) of a 1-D tile.</summary>
    public static int ExpandDims(IrBuilder b, int source, int axis)
    {
        var type = b.Type(source);
        if (type.Rank != 1)
            throw new SemanticError(DiagnosticDescriptors.RankTooHigh, "Adding an axis to a tile of shape " + type.ShapeText, type.Rank + 1);
        var shape = axis == 0 ? EquatableArray.Of(1, type.Shape[0]) : EquatableArray.Of(type.Shape[0], 1);
        return b.Define(id => new ExpandDimsOp(id, type.WithShape(shape), source, axis));
    }

    /// <summary><c>Reshape</c>: a free view where it only adds an axis of size 1 to a 1-D tile, else through shared memory.</summary>
    public static int Reshape(IrBuilder b, int source, int[] shape, string what)
    {
        var type = b.Type(source);
        for (int i = 0; i < shape.Length; i++) RequirePowerOfTwo(shape[i], $"Dimension {i} of Reshape");
        var target = shape.ToEquatableArray();
        if (type.IsScalar || shape.Aggregate(1, (x, y) => x * y) != type.Count)
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, $"Reshaping a tile of shape {type.ShapeText} to {ShapeRules.Format(target)}",
                "Reshape keeps the number of elements");
        if (target.Equals(type.Shape)) return source;
        if (type.Rank == 1 && shape.Length == 2 && (shape[0] == 1 || shape[1] == 1)) return ExpandDims(b, source, shape[0] == 1 ? 0 : 1);
        var result = type.WithShape(target);
        return b.DefineComputed(result, id => new ReshapeOp(id, result, source), what);
    }

    /// <summary><c>BroadcastTo</c>: a view (a 1-D tile first becomes a row, as in Triton); TD0016 unless each dimension is equal or 1.</summary>
    public static int BroadcastTo(IrBuilder b, int source, int[] shape, string what)
    {
        var target = shape.ToEquatableArray();
        for (int i = 0; i < shape.Length; i++) RequirePowerOfTwo(shape[i], $"Dimension {i} of BroadcastTo");
        var type = b.Type(source);
        RequireBroadcastsTo(target, type.Shape, what);
        if (target.Equals(type.Shape)) return source;
        int aligned = Align(b, source, shape.Length);
        var result = b.Type(aligned).WithShape(target);
        return b.Define(id => new BroadcastOp(id, result, aligned));
    }

    public static int Trans(IrBuilder b, int source)
    {
        var type = b.Type(source);
        if (type.Rank != 2)
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, "Trans of a tile of shape " + type.ShapeText, "Trans takes a 2-D tile");
        return b.Define(id => new TransOp(id, type.WithShape(EquatableArray.Of(type.Shape[1], type.Shape[0])), source));
    }

    /// <summary>The shape that tiles of <paramref name="shapes"/> broadcast to (TD0016 if none; scalars take no part).</summary>
    public static EquatableArray<int> Broadcast(IEnumerable<EquatableArray<int>> shapes, string what)
    {
        var result = EquatableArray<int>.Empty;
        foreach (var shape in shapes)
        {
            var joined = ShapeRules.Broadcast(result, shape)
                ?? throw new SemanticError(DiagnosticDescriptors.ShapeMismatch, ShapeRules.Format(result), ShapeRules.Format(shape), what);
            if (joined.Length > ShapeRules.MaxRank) throw new SemanticError(DiagnosticDescriptors.RankTooHigh, $"'{what}'", joined.Length);
            result = joined.ToEquatableArray();
        }
        return result;
    }

    /// <summary>Checks that a value of <paramref name="source"/> can be broadcast to <paramref name="target"/> (TD0016).</summary>
    public static void RequireBroadcastsTo(EquatableArray<int> target, EquatableArray<int> source, string what)
    {
        if (!ShapeRules.BroadcastsTo(source, target))
            throw new SemanticError(DiagnosticDescriptors.ShapeMismatch, ShapeRules.Format(target), ShapeRules.Format(source), what);
    }

    /// <summary>Gives a tile operand the rank of the result by adding leading axes (Triton's broadcasting).</summary>
    public static int Align(IrBuilder b, int id, int rank)
    {
        var type = b.Type(id);
        return type.IsScalar || type.Rank == rank ? id : ExpandDims(b, id, 0);
    }

    public static void RequirePowerOfTwo(int size, string what)
    {
        if (!ShapeRules.IsPowerOfTwo(size)) throw new SemanticError(DiagnosticDescriptors.NotPowerOfTwo, what, size);
    }
}
