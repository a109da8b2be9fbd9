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

    public static T All<T>(Tile<T> x, Func<T, T, T> combine)
    {
        T result = x.Data[0];
        for (int i = 1; i < x.Data.Length; i++) result = combine(result, x.Data[i]);
        return result;
    }

    public static Tile<T> Along<T>(Tile<T> x, int axis, bool keepDims, Func<T, T, T> combine)
    {
        var (outer, size, inner, shape) = Split(x, axis, keepDims);
        var data = new T[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = x.Data[o * size * inner + i];
                for (int k = 1; k < size; k++) acc = combine(acc, x.Data[(o * size + k) * inner + i]);
                data[o * inner + i] = acc;
            }
        return new Tile<T>(shape, data);
    }

    /// <summary>Inclusive scan along <paramref name="axis"/> from <paramref name="identity"/>, element by element in order
    /// (from the end of each line when <paramref name="reverse"/>).</summary>
    public static Tile<T> Scan<T>(Tile<T> x, int axis, T identity, Func<T, T, T> combine, bool reverse = false)
        => Scan(x, axis, combine, reverse, v => combine(identity, v));

    /// <summary>Inclusive scan along <paramref name="axis"/>, element by element in order: element k is
    /// <c>combine(…combine(start(x[0]), x[1])…, x[k])</c>, with <paramref name="start"/> the identity by default; when
    /// <paramref name="reverse"/>, from the end of each line: <c>combine(…combine(start(x[n-1]), x[n-2])…, x[k])</c>.</summary>
    public static Tile<T> Scan<T>(Tile<T> x, int axis, Func<T, T, T> combine, bool reverse = false, Func<T, T>? start = null)
    {
        var (outer, size, inner, _) = Split(x, axis, true);
        var data = new T[x.Data.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = default!;
                for (int k = 0; k < size; k++)
                {
                    int at = (o * size + (reverse ? size - 1 - k : k)) * inner + i;
                    T next = x.Data[at];
                    data[at] = acc = k > 0 ? combine(acc, next) : start is null ? next : start(next);
                }
            }
        return new Tile<T>(x.Shape, data);
    }

    public static Tile<int> Argmax<T>(Tile<T> x, int axis, bool keepDims) => Arg(x, axis, keepDims, (best, other) => Arith<T>.Lt(best, other));

    public static Tile<int> Argmin<T>(Tile<T> x, int axis, bool keepDims) => Arg(x, axis, keepDims, (best, other) => Arith<T>.Lt(other, best));

    /// <summary>The index along the axis of the element that <paramref name="beats"/> every earlier one (the first on ties).</summary>
    private static Tile<int> Arg<T>(Tile<T> x, int axis, bool keepDims, Func<T, T, bool> beats)
    {
        var (outer, size, inner, shape) = Split(x, axis, keepDims);
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

    private static (int Outer, int Size, int Inner, int[] Shape) Split<T>(Tile<T> x, int axis, bool keepDims)
    {
        if (axis < 0 || axis >= x.Shape.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is outside a tile of shape {Shapes.Format(x.Shape)}.");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        for (int d = axis + 1; d < x.Shape.Length; d++) inner *= x.Shape[d];
        var shape = keepDims ? (int[])x.Shape.Clone() : new int[x.Shape.Length - 1];
        if (keepDims) shape[axis] = 1;
        else for (int d = 0, j = 0; d < x.Shape.Length; d++) if (d != axis) shape[j++] = x.Shape[d];
        return (outer, x.Shape[axis], inner, shape);
    }
}
