using System;
using System.Linq;

namespace TileDsl;

/// <summary>The marker of a new axis in <c>x[.., None]</c> and <c>x[None, ..]</c> (Triton's <c>None</c>).</summary>
public readonly struct NewAxis
{
}

/// <summary>
/// A tile: an immutable block of values with a static shape (rank 0 to 2, every dimension a power of two).
/// Inside a <see cref="TileKernelAttribute"/> method it is lowered to per-thread registers; on the host
/// (the interpreter) it holds its values in row-major order.
/// </summary>
public sealed class Tile<T>
{
    internal Tile(int[] shape, T[] data)
    {
        Shape = shape;
        Data = data;
    }

    /// <summary>The tile's shape (host only).</summary>
    public int[] Shape { get; }

    /// <summary>The tile's values in row-major order (host only).</summary>
    public T[] Data { get; }

    internal static Tile<T> Scalar(T value) => new(Array.Empty<int>(), new[] { value });

    internal Tile<TOut> Map<TOut>(Func<T, TOut> f) => new(Shape, Array.ConvertAll(Data, x => f(x)));

    /// <summary>Converts every element to <typeparamref name="TOut"/> (C# conversion semantics).</summary>
    [TileOp(TileOpKind.Cast)]
    public Tile<TOut> To<TOut>() => Map(Convert<TOut>.From<T>());

    /// <summary><c>x[.., None]</c>: a 1-D tile of shape [N] viewed as a column of shape [N, 1].</summary>
    [TileOp(TileOpKind.ExpandDims)]
    public Tile<T> this[Range all, NewAxis axis] => ExpandDims(all, 1);

    /// <summary><c>x[None, ..]</c>: a 1-D tile of shape [N] viewed as a row of shape [1, N].</summary>
    [TileOp(TileOpKind.ExpandDims)]
    public Tile<T> this[NewAxis axis, Range all] => ExpandDims(all, 0);

    private Tile<T> ExpandDims(Range all, int axis)
    {
        if (!all.Equals(Range.All))
            throw new ArgumentException("Only the full range '..' may stand beside None.", nameof(all));
        if (Shape.Length != 1)
            throw new InvalidOperationException($"x[.., None] needs a 1-D tile; this tile has shape {Shapes.Format(Shape)}.");
        var shape = axis == 0 ? new[] { 1, Shape[0] } : new[] { Shape[0], 1 };
        return new Tile<T>(shape, Data);
    }

    internal static Tile<TOut> Zip<TOut>(Tile<T> a, Tile<T> b, Func<T, T, TOut> f, string op)
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var data = new TOut[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
            data[i] = f(a.Data[Shapes.SourceIndex(shape, a.Shape, i)], b.Data[Shapes.SourceIndex(shape, b.Shape, i)]);
        return new Tile<TOut>(shape, data);
    }

    [TileOp(TileOpKind.Add)] public static Tile<T> operator +(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Add, "+");
    [TileOp(TileOpKind.Add)] public static Tile<T> operator +(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Add, "+");
    [TileOp(TileOpKind.Add)] public static Tile<T> operator +(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Add, "+");
    [TileOp(TileOpKind.Sub)] public static Tile<T> operator -(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Sub, "-");
    [TileOp(TileOpKind.Sub)] public static Tile<T> operator -(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Sub, "-");
    [TileOp(TileOpKind.Sub)] public static Tile<T> operator -(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Sub, "-");
    [TileOp(TileOpKind.Mul)] public static Tile<T> operator *(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Mul, "*");
    [TileOp(TileOpKind.Mul)] public static Tile<T> operator *(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Mul, "*");
    [TileOp(TileOpKind.Mul)] public static Tile<T> operator *(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Mul, "*");
    [TileOp(TileOpKind.Div)] public static Tile<T> operator /(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Div, "/");
    [TileOp(TileOpKind.Div)] public static Tile<T> operator /(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Div, "/");
    [TileOp(TileOpKind.Div)] public static Tile<T> operator /(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Div, "/");
    [TileOp(TileOpKind.Rem)] public static Tile<T> operator %(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Rem, "%");
    [TileOp(TileOpKind.Rem)] public static Tile<T> operator %(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Rem, "%");
    [TileOp(TileOpKind.Rem)] public static Tile<T> operator %(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Rem, "%");
    [TileOp(TileOpKind.Neg)] public static Tile<T> operator -(Tile<T> a) => a.Map(Arith<T>.Neg);

    [TileOp(TileOpKind.Lt)] public static Tile<bool> operator <(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Lt, "<");
    [TileOp(TileOpKind.Lt)] public static Tile<bool> operator <(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Lt, "<");
    [TileOp(TileOpKind.Lt)] public static Tile<bool> operator <(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Lt, "<");
    [TileOp(TileOpKind.Gt)] public static Tile<bool> operator >(Tile<T> a, Tile<T> b) => Zip(b, a, Arith<T>.Lt, ">");
    [TileOp(TileOpKind.Gt)] public static Tile<bool> operator >(Tile<T> a, T b) => Zip(Scalar(b), a, Arith<T>.Lt, ">");
    [TileOp(TileOpKind.Gt)] public static Tile<bool> operator >(T a, Tile<T> b) => Zip(b, Scalar(a), Arith<T>.Lt, ">");
    [TileOp(TileOpKind.Le)] public static Tile<bool> operator <=(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Le, "<=");
    [TileOp(TileOpKind.Le)] public static Tile<bool> operator <=(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Le, "<=");
    [TileOp(TileOpKind.Le)] public static Tile<bool> operator <=(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Le, "<=");
    [TileOp(TileOpKind.Ge)] public static Tile<bool> operator >=(Tile<T> a, Tile<T> b) => Zip(b, a, Arith<T>.Le, ">=");
    [TileOp(TileOpKind.Ge)] public static Tile<bool> operator >=(Tile<T> a, T b) => Zip(Scalar(b), a, Arith<T>.Le, ">=");
    [TileOp(TileOpKind.Ge)] public static Tile<bool> operator >=(T a, Tile<T> b) => Zip(b, Scalar(a), Arith<T>.Le, ">=");
    [TileOp(TileOpKind.Eq)] public static Tile<bool> operator ==(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Eq, "==");
    [TileOp(TileOpKind.Eq)] public static Tile<bool> operator ==(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Eq, "==");
    [TileOp(TileOpKind.Eq)] public static Tile<bool> operator ==(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Eq, "==");
    [TileOp(TileOpKind.Ne)] public static Tile<bool> operator !=(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Ne, "!=");
    [TileOp(TileOpKind.Ne)] public static Tile<bool> operator !=(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Ne, "!=");
    [TileOp(TileOpKind.Ne)] public static Tile<bool> operator !=(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Ne, "!=");

    [TileOp(TileOpKind.And)] public static Tile<T> operator &(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.And, "&");
    [TileOp(TileOpKind.And)] public static Tile<T> operator &(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.And, "&");
    [TileOp(TileOpKind.And)] public static Tile<T> operator &(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.And, "&");
    [TileOp(TileOpKind.Or)] public static Tile<T> operator |(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Or, "|");
    [TileOp(TileOpKind.Or)] public static Tile<T> operator |(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Or, "|");
    [TileOp(TileOpKind.Or)] public static Tile<T> operator |(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Or, "|");
    [TileOp(TileOpKind.Not)] public static Tile<T> operator !(Tile<T> a) => a.Map(Arith<T>.Not);
    [TileOp(TileOpKind.Xor)] public static Tile<T> operator ^(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Xor, "^");
    [TileOp(TileOpKind.Xor)] public static Tile<T> operator ^(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Xor, "^");
    [TileOp(TileOpKind.Xor)] public static Tile<T> operator ^(T a, Tile<T> b) => Zip(Scalar(a), b, Arith<T>.Xor, "^");
    [TileOp(TileOpKind.BitNot)] public static Tile<T> operator ~(Tile<T> a) => a.Map(Arith<T>.BitNot);

    /// <summary>Shifts of int tiles, by a tile or by a scalar count (C# semantics: the count is taken mod 32, and
    /// <c>&gt;&gt;</c> is arithmetic).</summary>
    [TileOp(TileOpKind.Shl)] public static Tile<T> operator <<(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Shl, "<<");
    [TileOp(TileOpKind.Shl)] public static Tile<T> operator <<(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Shl, "<<");
    [TileOp(TileOpKind.Shr)] public static Tile<T> operator >>(Tile<T> a, Tile<T> b) => Zip(a, b, Arith<T>.Shr, ">>");
    [TileOp(TileOpKind.Shr)] public static Tile<T> operator >>(Tile<T> a, T b) => Zip(a, Scalar(b), Arith<T>.Shr, ">>");

    /// <summary>Tiles compare elementwise with <c>==</c>; reference equality is not meaningful for them.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    public override string ToString() => $"Tile<{typeof(T).Name}>{Shapes.Format(Shape)} [{string.Join(", ", Data.Take(16))}{(Data.Length > 16 ? ", ..." : "")}]";
}
