using System;

namespace TileDsl;

/// <summary>The host meaning of the reductions and of Dot (the interpreter's side of <see cref="Tl"/>).</summary>
internal static class Reductions
{
    /// <summary>A sum or product: over 16-bit floats accumulated in float and rounded once at the end (Triton
    /// accumulates them in fp32), otherwise in the element type.</summary>
    public static TResult Accumulated<T, TResult>(Tile<T> x, Func<Tile<float>, object> wide, Func<Tile<T>, TResult> plain)
        => !Sixteen.Is<T>() ? plain(x)
            : wide(x.To<float>()) switch
            {
                Tile<float> tile => (TResult)(object)tile.To<T>(),
                float value => (TResult)(object)Sixteen.From<T>(value)!,
                var other => throw new InvalidOperationException($"Unexpected accumulation result {other}."),
            };

    public static T All<T>(Tile<T> x, Func<T, T, T> combine) => Fold(x.Data.Length, i => x.Data[i], combine);

    public static Tile<T> Along<T>(Tile<T> x, int axis, bool keepDims, Func<T, T, T> combine)
    {
        var (shape, data) = Fold(x.Shape, axis, keepDims, i => x.Data[i], combine);
        return new Tile<T>(shape, data);
    }

    /// <summary>Reduce of a pair of tiles by a combiner of pairs (Triton's tuple <c>tl.reduce</c>), over all elements.</summary>
    public static (T1, T2) All<T1, T2>((Tile<T1>, Tile<T2>) x, Func<T1, T2, T1, T2, (T1, T2)> combine)
        => Fold(SameShape(x.Item1, x.Item2.Shape).Length, i => (x.Item1.Data[i], x.Item2.Data[i]), Pairs(combine));

    /// <summary>Reduce of a pair of tiles along <paramref name="axis"/>: the pairs of each line combined in order.</summary>
    public static (Tile<T1>, Tile<T2>) Along<T1, T2>((Tile<T1>, Tile<T2>) x, int axis, bool keepDims, Func<T1, T2, T1, T2, (T1, T2)> combine)
    {
        var (shape, data) = Fold(SameShape(x.Item1, x.Item2.Shape).Shape, axis, keepDims, i => (x.Item1.Data[i], x.Item2.Data[i]), Pairs(combine));
        return (new(shape, Array.ConvertAll(data, d => d.Item1)), new(shape, Array.ConvertAll(data, d => d.Item2)));
    }

    /// <summary>Reduce of three tiles by a combiner of triples, over all elements.</summary>
    public static (T1, T2, T3) All<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine)
        => Fold(SameShape(x.Item1, x.Item2.Shape, x.Item3.Shape).Length, i => (x.Item1.Data[i], x.Item2.Data[i], x.Item3.Data[i]), Triples(combine));

    /// <summary>Reduce of three tiles along <paramref name="axis"/>.</summary>
    public static (Tile<T1>, Tile<T2>, Tile<T3>) Along<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, int axis, bool keepDims,
        Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine)
    {
        var (shape, data) = Fold(SameShape(x.Item1, x.Item2.Shape, x.Item3.Shape).Shape, axis, keepDims,
            i => (x.Item1.Data[i], x.Item2.Data[i], x.Item3.Data[i]), Triples(combine));
        return (new(shape, Array.ConvertAll(data, d => d.Item1)), new(shape, Array.ConvertAll(data, d => d.Item2)), new(shape, Array.ConvertAll(data, d => d.Item3)));
    }

    /// <summary>AssociativeScan of a pair of tiles: each line's pairs combined in order, as <see cref="Scan{T}(Tile{T}, int, Func{T, T, T}, bool, Func{T, T}?)"/>.</summary>
    public static (Tile<T1>, Tile<T2>) Scan<T1, T2>((Tile<T1>, Tile<T2>) x, int axis, Func<T1, T2, T1, T2, (T1, T2)> combine, bool reverse)
    {
        var shape = SameShape(x.Item1, x.Item2.Shape).Shape;
        var data = ScanLines(shape, axis, reverse, i => (x.Item1.Data[i], x.Item2.Data[i]), Pairs(combine), null);
        return (new(shape, Array.ConvertAll(data, d => d.Item1)), new(shape, Array.ConvertAll(data, d => d.Item2)));
    }

    /// <summary>AssociativeScan of three tiles.</summary>
    public static (Tile<T1>, Tile<T2>, Tile<T3>) Scan<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, int axis, Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine, bool reverse)
    {
        var shape = SameShape(x.Item1, x.Item2.Shape, x.Item3.Shape).Shape;
        var data = ScanLines(shape, axis, reverse, i => (x.Item1.Data[i], x.Item2.Data[i], x.Item3.Data[i]), Triples(combine), null);
        return (new(shape, Array.ConvertAll(data, d => d.Item1)), new(shape, Array.ConvertAll(data, d => d.Item2)), new(shape, Array.ConvertAll(data, d => d.Item3)));
    }

    private static Func<(T1, T2), (T1, T2), (T1, T2)> Pairs<T1, T2>(Func<T1, T2, T1, T2, (T1, T2)> combine)
        => (a, b) => combine(a.Item1, a.Item2, b.Item1, b.Item2);

    private static Func<(T1, T2, T3), (T1, T2, T3), (T1, T2, T3)> Triples<T1, T2, T3>(Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine)
        => (a, b) => combine(a.Item1, a.Item2, a.Item3, b.Item1, b.Item2, b.Item3);

    /// <summary>The tiles of a tuple combined together have one shape (Triton's rule too): <paramref name="first"/>'s.</summary>
    private static (int[] Shape, int Length) SameShape<T>(Tile<T> first, params int[][] others)
    {
        foreach (var shape in others)
            if (!shape.AsSpan().SequenceEqual(first.Shape))
                throw new InvalidOperationException($"The tiles of a tuple combined together must have one shape; got {Shapes.Format(first.Shape)} and {Shapes.Format(shape)}.");
        return (first.Shape, first.Data.Length);
    }

    /// <summary>The <paramref name="count"/> elements read by <paramref name="read"/> combined in order: <c>combine(…combine(e0, e1)…, e(n-1))</c>.</summary>
    private static TAcc Fold<TAcc>(int count, Func<int, TAcc> read, Func<TAcc, TAcc, TAcc> combine)
    {
        TAcc result = read(0);
        for (int i = 1; i < count; i++) result = combine(result, read(i));
        return result;
    }

    /// <summary>Each line along <paramref name="axis"/> of a tile of <paramref name="shape"/> (its elements at flat
    /// indices through <paramref name="read"/>) combined in coordinate order from its first element.</summary>
    private static (int[] Shape, TAcc[] Data) Fold<TAcc>(int[] shape, int axis, bool keepDims, Func<int, TAcc> read, Func<TAcc, TAcc, TAcc> combine)
    {
        var (outer, size, inner, reduced) = Split(shape, axis, keepDims);
        var data = new TAcc[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                TAcc acc = read(o * size * inner + i);
                for (int k = 1; k < size; k++) acc = combine(acc, read((o * size + k) * inner + i));
                data[o * inner + i] = acc;
            }
        return (reduced, data);
    }

    /// <summary>Inclusive scan along <paramref name="axis"/> from <paramref name="identity"/>, element by element in order
    /// (from the end of each line when <paramref name="reverse"/>).</summary>
    public static Tile<T> Scan<T>(Tile<T> x, int axis, T identity, Func<T, T, T> combine, bool reverse = false)
        => Scan(x, axis, combine, reverse, v => combine(identity, v));

    /// <summary>Inclusive scan along <paramref name="axis"/>, element by element in order: element k is
    /// <c>combine(…combine(start(x[0]), x[1])…, x[k])</c>, with <paramref name="start"/> the identity by default; when
    /// <paramref name="reverse"/>, from the end of each line: <c>combine(…combine(start(x[n-1]), x[n-2])…, x[k])</c>.</summary>
    public static Tile<T> Scan<T>(Tile<T> x, int axis, Func<T, T, T> combine, bool reverse = false, Func<T, T>? start = null)
        => new(x.Shape, ScanLines(x.Shape, axis, reverse, i => x.Data[i], combine, start));

    /// <summary>The inclusive scan of each line along <paramref name="axis"/> (elements read by <paramref name="read"/>
    /// at flat indices), in order from the first element of the line (the last when <paramref name="reverse"/>).</summary>
    private static TAcc[] ScanLines<TAcc>(int[] shape, int axis, bool reverse, Func<int, TAcc> read, Func<TAcc, TAcc, TAcc> combine, Func<TAcc, TAcc>? start)
    {
        var (outer, size, inner, _) = Split(shape, axis, true);
        var data = new TAcc[outer * size * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                TAcc acc = default!;
                for (int k = 0; k < size; k++)
                {
                    int at = (o * size + (reverse ? size - 1 - k : k)) * inner + i;
                    TAcc next = read(at);
                    data[at] = acc = k > 0 ? combine(acc, next) : start is null ? next : start(next);
                }
            }
        return data;
    }

    public static Tile<int> Argmax<T>(Tile<T> x, int axis, bool keepDims) => Arg(x, axis, keepDims, (best, other) => Arith<T>.Lt(best, other));

    public static Tile<int> Argmin<T>(Tile<T> x, int axis, bool keepDims) => Arg(x, axis, keepDims, (best, other) => Arith<T>.Lt(other, best));

    /// <summary>The index along the axis of the element that <paramref name="beats"/> every earlier one (the first on ties).</summary>
    private static Tile<int> Arg<T>(Tile<T> x, int axis, bool keepDims, Func<T, T, bool> beats)
    {
        var (outer, size, inner, shape) = Split(x.Shape, axis, keepDims);
        var data = new int[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                for (int k = 1; k < size; k++)
                    if (beats(x.Data[(o * size + best) * inner + i], x.Data[(o * size + k) * inner + i])) best = k;
                data[o * inner + i] = best;
            }
        return new Tile<int>(shape, data);
    }

    public static Tile<T> Dot<T>(Tile<T> a, Tile<T> b, Tile<T>? acc)
    {
        if (a.Shape.Length != 2 || b.Shape.Length != 2 || a.Shape[1] != b.Shape[0])
            throw new InvalidOperationException($"Dot needs [M, K] × [K, N] tiles; got {Shapes.Format(a.Shape)} × {Shapes.Format(b.Shape)}.");
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        if (acc is not null && (acc.Shape.Length != 2 || acc.Shape[0] != m || acc.Shape[1] != n))
            throw new InvalidOperationException($"Dot's accumulator must have shape [{m}, {n}]; it has {Shapes.Format(acc.Shape)}.");
        var data = new T[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = acc is null ? default! : acc.Data[i * n + j];
                for (int l = 0; l < k; l++) sum = Arith<T>.Add(sum, Arith<T>.Mul(a.Data[i * k + l], b.Data[l * n + j]));
                data[i * n + j] = sum;
            }
        return new Tile<T>(new[] { m, n }, data);
    }

    private static (int Outer, int Size, int Inner, int[] Shape) Split(int[] shape, int axis, bool keepDims)
    {
        if (axis < 0 || axis >= shape.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is outside a tile of shape {Shapes.Format(shape)}.");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var reduced = keepDims ? (int[])shape.Clone() : new int[shape.Length - 1];
        if (keepDims) reduced[axis] = 1;
        else for (int d = 0, j = 0; d < shape.Length; d++) if (d != axis) reduced[j++] = shape[d];
        return (outer, shape[axis], inner, reduced);
    }
}
