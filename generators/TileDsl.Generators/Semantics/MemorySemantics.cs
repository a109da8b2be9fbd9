using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Pointers and memory: <c>p + offsets</c>, Load, Store and the atomics (AtomicAdd, AtomicMax, AtomicMin, AtomicXchg, AtomicCas).</summary>
internal static class MemorySemantics
{
    /// <summary>A pointer parameter: a pointer at offset 0 of its view.</summary>
    public static int Parameter(IrBuilder b, string name, ElementType element)
    {
        int zero = b.Constant(0, ElementType.Int);
        return b.Define(id => new PointerOp(id, new TileType(element, Helpers.EquatableArray<int>.Empty, name), zero) { Name = name });
    }

    /// <summary><c>p + offsets</c>: pointers are views of int offsets into one parameter, so this adds to p's offsets.</summary>
    public static int AddPtr(IrBuilder b, int pointer, int offsets, string what)
    {
        if (b[pointer] is not PointerOp view)
            throw new SemanticError(DiagnosticDescriptors.UnsupportedExpression, "This pointer arithmetic",
                "add offsets to a Ptr<T> parameter or to pointers made from one, e.g. 'a + (offsets + k * stride)'");
        int sum = b.ConstantInt(view.Offsets) == 0 ? offsets : ElementwiseSemantics.Apply(b, TileOpKind.Add, new[] { view.Offsets, offsets }, what);
        var type = b.Type(pointer).WithShape(b.Type(sum).Shape);
        return b.Define(id => new PointerOp(id, type, sum));
    }

    /// <summary>The elements at the pointers where the mask holds (broadcast together), <paramref name="other"/> elsewhere.</summary>
    public static int Load(IrBuilder b, int pointers, int? mask, int? other, string what)
    {
        var pointerType = b.Type(pointers);
        var shape = mask is null ? pointerType.Shape : ShapeSemantics.Broadcast(new[] { pointerType.Shape, b.Type(mask.Value).Shape }, what);
        int fill = other ?? b.Constant(ElementTypes.Of(pointerType.Element).Zero, pointerType.Element);
        mask = Predicated(b, mask, what);
        int at = ShapeSemantics.Align(b, pointers, shape.Count);
        int? on = mask is null ? null : ShapeSemantics.Align(b, mask.Value, shape.Count);
        var type = new TileType(pointerType.Element, shape);
        return b.DefineComputed(type, id => new LoadOp(id, type, at, on, fill), what);
    }

    /// <summary>The mask and the builder's predicate (a runtime if's branch), or the mask alone.</summary>
    private static int? Predicated(IrBuilder b, int? mask, string what)
        => b.Predicate is not { } predicate ? mask
            : mask is null ? predicate
            : ElementwiseSemantics.Apply(b, TileOpKind.And, new[] { mask.Value, predicate }, what);

    /// <summary>The ops that write memory, statements of their own: Store and the atomics.</summary>
    public static bool Writes(TileOpKind kind)
        => kind is TileOpKind.Store or TileOpKind.AtomicAdd or TileOpKind.AtomicMax or TileOpKind.AtomicMin or TileOpKind.AtomicXchg or TileOpKind.AtomicCas;

    /// <summary>
    /// Store (or an atomic: <paramref name="atomicOp"/>, AtomicCas with <paramref name="compare"/>) of
    /// <paramref name="data"/> broadcast to the pointers' shape, where the mask holds. With <paramref name="returnsOld"/>
    /// (an atomic used as an expression), the id of its old values; else -1. <paramref name="order"/>: an atomic's sem and scope.
    /// </summary>
    public static int Store(IrBuilder b, int pointers, int data, int? mask, bool atomic,
        TileOpKind atomicOp = TileOpKind.AtomicAdd, int? compare = null, bool returnsOld = false, MemoryOrder order = default)
    {
        var shape = b.Type(pointers).Shape;
        string op = atomic ? atomicOp.ToString() : "Store";
        ShapeSemantics.RequireBroadcastsTo(shape, b.Type(data).Shape, op + " value");
        if (compare is not null) ShapeSemantics.RequireBroadcastsTo(shape, b.Type(compare.Value).Shape, op + " compare");
        if (mask is not null) ShapeSemantics.RequireBroadcastsTo(shape, b.Type(mask.Value).Shape, op + " mask");
        if (atomic) ElementwiseSemantics.RequireAccepts(b.Type(data).Element, OpClass.Atomic, op, !b.Type(data).IsScalar);
        mask = Predicated(b, mask, op);
        int? on = mask is null ? null : ShapeSemantics.Align(b, mask.Value, shape.Count);
        int? against = compare is null ? null : ShapeSemantics.Align(b, compare.Value, shape.Count);
        var old = returnsOld ? b.Create(id => new AtomicValueOp(id, new TileType(b.Type(pointers).Element, shape))) : null;
        b.Current.Add(new StoreStatement(pointers, ShapeSemantics.Align(b, data, shape.Count), on, atomic)
        {
            AtomicOp = atomic ? atomicOp : TileOpKind.AtomicAdd,
            Compare = against,
            Result = old,
            Order = order,
        });
        return old?.Id ?? -1;
    }
}
