using System;
using System.Collections.Generic;
using System.Linq;

namespace TileDsl;

/// <summary>
/// The tile language: every op of the DSL, one method each. The body is the op's meaning on the host (what the
/// interpreter runs); the attribute beside it, <see cref="TileOpAttribute"/>, names the op (<see cref="TileOpKind"/>)
/// by which the generator types and lowers the call. Write <c>using static TileDsl.Tl;</c> in kernel files.
/// </summary>
public static class Tl
{
    /// <summary>Inserts an axis of size 1: <c>x[.., None]</c> is a column, <c>x[None, ..]</c> a row.</summary>
    public static readonly NewAxis None;

    /// <summary>The index of this program instance along <paramref name="axis"/> (0, 1 or 2).</summary>
    [TileOp(TileOpKind.ProgramId)]
    public static int ProgramId(int axis) => Interpreter.ProgramId(axis);

    /// <summary>The number of program instances along <paramref name="axis"/>.</summary>
    [TileOp(TileOpKind.NumPrograms)]
    public static int NumPrograms(int axis) => Interpreter.NumPrograms(axis);

    /// <summary>The 1-D tile <c>[start, start+1, ..., end-1]</c>; bounds are compile-time constants, the length a power of two.</summary>
    [TileOp(TileOpKind.Arange)]
    public static Tile<int> Arange(int start, int end)
    {
        Shapes.RequirePowerOfTwo(end - start, "Arange(start, end) length");
        return new Tile<int>(new[] { end - start }, Enumerable.Range(start, end - start).ToArray());
    }

    /// <summary>A tile of zeros of shape [d0].</summary>
    [TileOp(TileOpKind.Zeros)]
    public static Tile<T> Zeros<T>(int d0) where T : unmanaged => Full(d0, default(T));

    /// <summary>A tile of zeros of shape [d0, d1].</summary>
    [TileOp(TileOpKind.Zeros)]
    public static Tile<T> Zeros<T>(int d0, int d1) where T : unmanaged => Full(d0, d1, default(T));

    /// <summary>A tile of shape [d0] filled with <paramref name="value"/>.</summary>
    [TileOp(TileOpKind.Full)]
    public static Tile<T> Full<T>(int d0, T value) where T : unmanaged => Filled(new[] { d0 }, value);

    /// <summary>A tile of shape [d0, d1] filled with <paramref name="value"/>.</summary>
    [TileOp(TileOpKind.Full)]
    public static Tile<T> Full<T>(int d0, int d1, T value) where T : unmanaged => Filled(new[] { d0, d1 }, value);

    /// <summary>
    /// Loads the element at each pointer where <paramref name="mask"/> is true (no mask: everywhere) and
    /// <paramref name="other"/> elsewhere. The mask broadcasts to the pointers' shape.
    /// </summary>
    [TileOp(TileOpKind.Load)]
    public static Tile<T> Load<T>(PtrTile<T> ptrs, Tile<bool>? mask = null, T other = default) where T : unmanaged
    {
        var shape = mask is null ? ptrs.Offsets.Shape : Shapes.Broadcast(ptrs.Offsets.Shape, mask.Shape, "Load");
        var data = new T[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            bool on = mask is null || mask.Data[Shapes.SourceIndex(shape, mask.Shape, i)];
            data[i] = on ? ptrs.Read(Shapes.SourceIndex(shape, ptrs.Offsets.Shape, i)) : other;
        }
        return new Tile<T>(shape, data);
    }

    /// <summary>Loads one scalar (every thread reads the same element).</summary>
    [TileOp(TileOpKind.Load)]
    public static T Load<T>(Ptr<T> ptr) where T : unmanaged => (ptr + Tile<int>.Scalar(0)).Read(0);

    /// <summary>Stores <paramref name="value"/> (broadcast to the pointers' shape) where <paramref name="mask"/> is true.</summary>
    [TileOp(TileOpKind.Store)]
    public static void Store<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask = null) where T : unmanaged
        => Scatter(ptrs, value, mask, "Store", ptrs.Write);

    /// <summary>Stores the scalar <paramref name="value"/> at <paramref name="ptr"/> (written once per program).</summary>
    [TileOp(TileOpKind.Store)]
    public static void Store<T>(Ptr<T> ptr, T value) where T : unmanaged => Store(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(value));

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/>.</summary>
    [TileOp(TileOpKind.Where)]
    public static Tile<T> Where<T>(Tile<bool> condition, Tile<T> a, Tile<T> b) => Select(condition, a, b);

    [TileOp(TileOpKind.Where)]
    public static Tile<T> Where<T>(Tile<bool> condition, Tile<T> a, T b) => Select(condition, a, Tile<T>.Scalar(b));

    [TileOp(TileOpKind.Where)]
    public static Tile<T> Where<T>(Tile<bool> condition, T a, Tile<T> b) => Select(condition, Tile<T>.Scalar(a), b);

    /// <summary><see cref="Where{T}(Tile{bool}, Tile{T}, T)"/> with a double literal beside a float tile, rounded once to float (<see cref="WeakLiterals"/>).</summary>
    [TileOp(TileOpKind.Where, WeakLiteral = true)]
    public static Tile<float> Where(Tile<bool> condition, Tile<float> a, double b) => Select(condition, a, Tile<float>.Scalar((float)b));

    [TileOp(TileOpKind.Where, WeakLiteral = true)]
    public static Tile<float> Where(Tile<bool> condition, double a, Tile<float> b) => Select(condition, Tile<float>.Scalar((float)a), b);

    /// <summary>The choice between two scalars, <c>condition ? a : b</c> (as in a combiner of <see cref="Reduce{T}(Tile{T}, int, Func{T, T, T}, bool)"/>).</summary>
    [TileOp(TileOpKind.Where)]
    public static T Where<T>(bool condition, T a, T b) => condition ? a : b;

    [TileOp(TileOpKind.Exp)] public static Tile<float> Exp(Tile<float> x) => x.Map(MathF.Exp);
    [TileOp(TileOpKind.Exp)] public static Tile<double> Exp(Tile<double> x) => x.Map(Math.Exp);
    [TileOp(TileOpKind.Exp)] public static float Exp(float x) => MathF.Exp(x);
    [TileOp(TileOpKind.Exp)] public static double Exp(double x) => Math.Exp(x);

    [TileOp(TileOpKind.Exp2)] public static Tile<float> Exp2(Tile<float> x) => x.Map(v => MathF.Pow(2f, v));
    [TileOp(TileOpKind.Exp2)] public static Tile<double> Exp2(Tile<double> x) => x.Map(v => Math.Pow(2.0, v));
    [TileOp(TileOpKind.Exp2)] public static float Exp2(float x) => MathF.Pow(2f, x);
    [TileOp(TileOpKind.Exp2)] public static double Exp2(double x) => Math.Pow(2.0, x);

    [TileOp(TileOpKind.Log)] public static Tile<float> Log(Tile<float> x) => x.Map(MathF.Log);
    [TileOp(TileOpKind.Log)] public static Tile<double> Log(Tile<double> x) => x.Map(Math.Log);
    [TileOp(TileOpKind.Log)] public static float Log(float x) => MathF.Log(x);
    [TileOp(TileOpKind.Log)] public static double Log(double x) => Math.Log(x);

    [TileOp(TileOpKind.Sqrt)] public static Tile<float> Sqrt(Tile<float> x) => x.Map(MathF.Sqrt);
    [TileOp(TileOpKind.Sqrt)] public static Tile<double> Sqrt(Tile<double> x) => x.Map(Math.Sqrt);
    [TileOp(TileOpKind.Sqrt)] public static float Sqrt(float x) => MathF.Sqrt(x);
    [TileOp(TileOpKind.Sqrt)] public static double Sqrt(double x) => Math.Sqrt(x);

    [TileOp(TileOpKind.Abs)] public static Tile<float> Abs(Tile<float> x) => x.Map(MathF.Abs);
    [TileOp(TileOpKind.Abs)] public static Tile<double> Abs(Tile<double> x) => x.Map(Math.Abs);
    [TileOp(TileOpKind.Abs)] public static Tile<int> Abs(Tile<int> x) => x.Map(Math.Abs);
    [TileOp(TileOpKind.Abs)] public static float Abs(float x) => MathF.Abs(x);
    [TileOp(TileOpKind.Abs)] public static double Abs(double x) => Math.Abs(x);
    [TileOp(TileOpKind.Abs)] public static int Abs(int x) => Math.Abs(x);

    [TileOp(TileOpKind.Rsqrt)] public static Tile<float> Rsqrt(Tile<float> x) => x.Map(TileMath.Rsqrt);
    [TileOp(TileOpKind.Rsqrt)] public static Tile<double> Rsqrt(Tile<double> x) => x.Map(TileMath.Rsqrt);
    [TileOp(TileOpKind.Rsqrt)] public static float Rsqrt(float x) => TileMath.Rsqrt(x);
    [TileOp(TileOpKind.Rsqrt)] public static double Rsqrt(double x) => TileMath.Rsqrt(x);

    [TileOp(TileOpKind.Sigmoid)] public static Tile<float> Sigmoid(Tile<float> x) => x.Map(TileMath.Sigmoid);
    [TileOp(TileOpKind.Sigmoid)] public static Tile<double> Sigmoid(Tile<double> x) => x.Map(TileMath.Sigmoid);
    [TileOp(TileOpKind.Sigmoid)] public static float Sigmoid(float x) => TileMath.Sigmoid(x);
    [TileOp(TileOpKind.Sigmoid)] public static double Sigmoid(double x) => TileMath.Sigmoid(x);

    [TileOp(TileOpKind.Tanh)] public static Tile<float> Tanh(Tile<float> x) => x.Map(TileMath.Tanh);
    [TileOp(TileOpKind.Tanh)] public static Tile<double> Tanh(Tile<double> x) => x.Map(TileMath.Tanh);
    [TileOp(TileOpKind.Tanh)] public static float Tanh(float x) => TileMath.Tanh(x);
    [TileOp(TileOpKind.Tanh)] public static double Tanh(double x) => TileMath.Tanh(x);

    [TileOp(TileOpKind.Log2)] public static Tile<float> Log2(Tile<float> x) => x.Map(TileMath.Log2);
    [TileOp(TileOpKind.Log2)] public static Tile<double> Log2(Tile<double> x) => x.Map(TileMath.Log2);
    [TileOp(TileOpKind.Log2)] public static float Log2(float x) => TileMath.Log2(x);
    [TileOp(TileOpKind.Log2)] public static double Log2(double x) => TileMath.Log2(x);

    [TileOp(TileOpKind.Sin)] public static Tile<float> Sin(Tile<float> x) => x.Map(TileMath.Sin);
    [TileOp(TileOpKind.Sin)] public static Tile<double> Sin(Tile<double> x) => x.Map(TileMath.Sin);
    [TileOp(TileOpKind.Sin)] public static float Sin(float x) => TileMath.Sin(x);
    [TileOp(TileOpKind.Sin)] public static double Sin(double x) => TileMath.Sin(x);

    [TileOp(TileOpKind.Cos)] public static Tile<float> Cos(Tile<float> x) => x.Map(TileMath.Cos);
    [TileOp(TileOpKind.Cos)] public static Tile<double> Cos(Tile<double> x) => x.Map(TileMath.Cos);
    [TileOp(TileOpKind.Cos)] public static float Cos(float x) => TileMath.Cos(x);
    [TileOp(TileOpKind.Cos)] public static double Cos(double x) => TileMath.Cos(x);

    /// <summary>The error function of float tiles (<see cref="TileMath.Erf(float)"/>: absolute error about 3e-7).</summary>
    [TileOp(TileOpKind.Erf)] public static Tile<float> Erf(Tile<float> x) => x.Map(TileMath.Erf);
    [TileOp(TileOpKind.Erf)] public static float Erf(float x) => TileMath.Erf(x);

    /// <summary>a · b + c elementwise, the three broadcast together (<see cref="TileMath.Fma(float, float, float)"/>).</summary>
    [TileOp(TileOpKind.Fma)] public static Tile<float> Fma(Tile<float> a, Tile<float> b, Tile<float> c) => Map3(a, b, c, TileMath.Fma, "Fma");
    [TileOp(TileOpKind.Fma)] public static Tile<double> Fma(Tile<double> a, Tile<double> b, Tile<double> c) => Map3(a, b, c, TileMath.Fma, "Fma");

    /// <summary>x limited to [lo, hi] elementwise: Minimum(Maximum(x, lo), hi).</summary>
    [TileOp(TileOpKind.Clamp)] public static Tile<float> Clamp(Tile<float> x, float lo, float hi) => Map3(x, Tile<float>.Scalar(lo), Tile<float>.Scalar(hi), TileMath.Clamp, "Clamp");
    [TileOp(TileOpKind.Clamp)] public static Tile<double> Clamp(Tile<double> x, double lo, double hi) => Map3(x, Tile<double>.Scalar(lo), Tile<double>.Scalar(hi), TileMath.Clamp, "Clamp");
    [TileOp(TileOpKind.Clamp)] public static Tile<int> Clamp(Tile<int> x, int lo, int hi) => Map3(x, Tile<int>.Scalar(lo), Tile<int>.Scalar(hi), TileMath.Clamp, "Clamp");
    [TileOp(TileOpKind.Clamp, WeakLiteral = true)] public static Tile<float> Clamp(Tile<float> x, double lo, double hi) => Clamp(x, (float)lo, (float)hi);
    [TileOp(TileOpKind.Clamp)] public static Tile<float> Clamp(Tile<float> x, Tile<float> lo, Tile<float> hi) => Map3(x, lo, hi, TileMath.Clamp, "Clamp");

    /// <summary>
    /// Triton's <c>randint(seed, offsets)</c>: a random 32-bit word per offset, Philox4x32-10 of the counter (offset, 0, 0,
    /// 0) under the key (the 64-bit seed's low and high words) (<see cref="TileMath.Randint"/>); the same bits as Triton for any seed.
    /// </summary>
    [TileOp(TileOpKind.Randint)] public static Tile<int> Randint(long seed, Tile<int> offsets) => offsets.Map(o => TileMath.Randint(seed, o));
    [TileOp(TileOpKind.Randint)] public static int Randint(long seed, int offset) => TileMath.Randint(seed, offset);

    /// <summary>Triton's <c>rand(seed, offsets)</c>: a float uniform in [0, 1) per offset (<see cref="TileMath.Rand"/>; the same bits as Triton).</summary>
    [TileOp(TileOpKind.Rand)] public static Tile<float> Rand(long seed, Tile<int> offsets) => offsets.Map(o => TileMath.Rand(seed, o));
    [TileOp(TileOpKind.Rand)] public static float Rand(long seed, int offset) => TileMath.Rand(seed, offset);

    /// <summary>Triton's <c>randn(seed, offsets)</c>: a standard normal float per offset, by Box–Muller (<see cref="TileMath.Randn"/>).</summary>
    [TileOp(TileOpKind.Randn)] public static Tile<float> Randn(long seed, Tile<int> offsets) => offsets.Map(o => TileMath.Randn(seed, o));
    [TileOp(TileOpKind.Randn)] public static float Randn(long seed, int offset) => TileMath.Randn(seed, offset);

    /// <summary>Elementwise maximum (NaN handling as <see cref="MathF.Max(float, float)"/>).</summary>
    [TileOp(TileOpKind.Maximum)] public static Tile<T> Maximum<T>(Tile<T> a, Tile<T> b) => Tile<T>.Zip(a, b, Arith<T>.Max, "Maximum");
    [TileOp(TileOpKind.Maximum)] public static Tile<T> Maximum<T>(Tile<T> a, T b) => Tile<T>.Zip(a, Tile<T>.Scalar(b), Arith<T>.Max, "Maximum");

    [TileOp(TileOpKind.Maximum, WeakLiteral = true)] public static Tile<float> Maximum(Tile<float> a, double b) => Maximum(a, (float)b);

    [TileOp(TileOpKind.Maximum)] public static int Maximum(int a, int b) => Math.Max(a, b);
    [TileOp(TileOpKind.Maximum)] public static float Maximum(float a, float b) => MathF.Max(a, b);
    [TileOp(TileOpKind.Maximum)] public static double Maximum(double a, double b) => Math.Max(a, b);

    /// <summary>Elementwise minimum.</summary>
    [TileOp(TileOpKind.Minimum)] public static Tile<T> Minimum<T>(Tile<T> a, Tile<T> b) => Tile<T>.Zip(a, b, Arith<T>.Min, "Minimum");
    [TileOp(TileOpKind.Minimum)] public static Tile<T> Minimum<T>(Tile<T> a, T b) => Tile<T>.Zip(a, Tile<T>.Scalar(b), Arith<T>.Min, "Minimum");
    [TileOp(TileOpKind.Minimum, WeakLiteral = true)] public static Tile<float> Minimum(Tile<float> a, double b) => Minimum(a, (float)b);
    [TileOp(TileOpKind.Minimum)] public static int Minimum(int a, int b) => Math.Min(a, b);
    [TileOp(TileOpKind.Minimum)] public static float Minimum(float a, float b) => MathF.Min(a, b);
    [TileOp(TileOpKind.Minimum)] public static double Minimum(double a, double b) => Math.Min(a, b);

    /// <summary>The sum of all elements of <paramref name="x"/>, a scalar.</summary>
    [TileOp(TileOpKind.Sum)]
    public static T Sum<T>(Tile<T> x) => Reductions.Accumulated(x, t => Reductions.All(t, Arith<float>.Add), t => Reductions.All(t, Arith<T>.Add));

    /// <summary>The sums along <paramref name="axis"/>: the axis is removed, or kept with size 1 when <paramref name="keepDims"/>.</summary>
    [TileOp(TileOpKind.Sum)]
    public static Tile<T> Sum<T>(Tile<T> x, int axis, bool keepDims = false)
        => Reductions.Accumulated(x, t => Reductions.Along(t, axis, keepDims, Arith<float>.Add), t => Reductions.Along(t, axis, keepDims, Arith<T>.Add));

    /// <summary>The largest element of <paramref name="x"/>, a scalar.</summary>
    [TileOp(TileOpKind.Max)]
    public static T Max<T>(Tile<T> x) => Reductions.All(x, Arith<T>.Max);

    /// <summary>The maxima along <paramref name="axis"/> (see <see cref="Sum{T}(Tile{T}, int, bool)"/> for the shape).</summary>
    [TileOp(TileOpKind.Max)]
    public static Tile<T> Max<T>(Tile<T> x, int axis, bool keepDims = false) => Reductions.Along(x, axis, keepDims, Arith<T>.Max);

    /// <summary>The smallest element of <paramref name="x"/>, a scalar.</summary>
    [TileOp(TileOpKind.Min)]
    public static T Min<T>(Tile<T> x) => Reductions.All(x, Arith<T>.Min);

    /// <summary>The minima along <paramref name="axis"/>.</summary>
    [TileOp(TileOpKind.Min)]
    public static Tile<T> Min<T>(Tile<T> x, int axis, bool keepDims = false) => Reductions.Along(x, axis, keepDims, Arith<T>.Min);

    /// <summary>The index of the largest element of the 1-D tile <paramref name="x"/> (the first one on ties).</summary>
    [TileOp(TileOpKind.Argmax)]
    public static int Argmax<T>(Tile<T> x) => Reductions.Argmax(x, 0, false).Data[0];

    /// <summary>The index along <paramref name="axis"/> of each largest element (the first one on ties).</summary>
    [TileOp(TileOpKind.Argmax)]
    public static Tile<int> Argmax<T>(Tile<T> x, int axis, bool keepDims = false) => Reductions.Argmax(x, axis, keepDims);

    /// <summary>The index of the smallest element of the 1-D tile <paramref name="x"/> (the first one on ties).</summary>
    [TileOp(TileOpKind.Argmin)]
    public static int Argmin<T>(Tile<T> x) => Reductions.Argmin(x, 0, false).Data[0];

    /// <summary>The index along <paramref name="axis"/> of each smallest element (the first one on ties).</summary>
    [TileOp(TileOpKind.Argmin)]
    public static Tile<int> Argmin<T>(Tile<T> x, int axis, bool keepDims = false) => Reductions.Argmin(x, axis, keepDims);

    /// <summary>The inclusive prefix sums of <paramref name="x"/> along a constant <paramref name="axis"/> (Triton's
    /// <c>cumsum</c>): element k is x[0] + … + x[k], added in that order from 0. With <paramref name="reverse"/>
    /// (a constant), the suffix sums: element k is x[n-1] + … + x[k], added from the end of the line toward its start.
    /// Int, float or double tiles.</summary>
    [TileOp(TileOpKind.Cumsum)]
    public static Tile<T> Cumsum<T>(Tile<T> x, int axis = 0, bool reverse = false)
        => Reductions.Accumulated(x, t => Reductions.Scan(t, axis, 0f, Arith<float>.Add, reverse), t => Reductions.Scan(t, axis, Convert<T>.From<int>()(0), Arith<T>.Add, reverse));

    /// <summary>The inclusive prefix products along <paramref name="axis"/>, multiplied in order from 1; with
    /// <paramref name="reverse"/>, the suffix products, multiplied from the end of the line toward its start.</summary>
    [TileOp(TileOpKind.Cumprod)]
    public static Tile<T> Cumprod<T>(Tile<T> x, int axis = 0, bool reverse = false)
        => Reductions.Accumulated(x, t => Reductions.Scan(t, axis, 1f, Arith<float>.Mul, reverse), t => Reductions.Scan(t, axis, Convert<T>.From<int>()(1), Arith<T>.Mul, reverse));

    /// <summary>
    /// All elements of <paramref name="x"/> combined by <paramref name="combine"/>, a static <c>[TileFunction]</c>
    /// method <c>(T a, T b) =&gt; T</c> on scalars passed by name (Triton's <c>tl.reduce</c> with no axis): a scalar. The
    /// combiner must be associative and commutative; the host combines in row-major order, a kernel in a tree.
    /// </summary>
    [TileOp(TileOpKind.Reduce)]
    public static T Reduce<T>(Tile<T> x, Func<T, T, T> combine) => Reductions.All(x, combine);

    /// <summary>The elements along <paramref name="axis"/> combined by <paramref name="combine"/> (Triton's
    /// <c>tl.reduce</c>); the axis is removed, or kept with size 1 when <paramref name="keepDims"/>.</summary>
    [TileOp(TileOpKind.Reduce)]
    public static Tile<T> Reduce<T>(Tile<T> x, int axis, Func<T, T, T> combine, bool keepDims = false)
        => Reductions.Along(x, axis, keepDims, combine);

    /// <summary>
    /// Reduce of two tiles of one shape together (Triton's <c>tl.reduce</c> on a tuple), over all elements:
    /// <paramref name="combine"/> is a static <c>[TileFunction]</c> method taking the left pair and the right pair,
    /// <c>(a0, a1, b0, b1) =&gt; (c0, c1)</c>, e.g. an argmax by hand:
    /// <c>var (best, at) = Reduce((values, indices), ArgMaxCombine);</c>. Associative and commutative, as for one tile.
    /// </summary>
    [TileOp(TileOpKind.Reduce)]
    public static (T1, T2) Reduce<T1, T2>((Tile<T1>, Tile<T2>) x, Func<T1, T2, T1, T2, (T1, T2)> combine) => Reductions.All(x, combine);

    /// <summary>Reduce of two tiles of one shape together along <paramref name="axis"/>: the pairs of each line
    /// combined by <paramref name="combine"/> <c>(a0, a1, b0, b1) =&gt; (c0, c1)</c>; a pair of tiles.</summary>
    [TileOp(TileOpKind.Reduce)]
    public static (Tile<T1>, Tile<T2>) Reduce<T1, T2>((Tile<T1>, Tile<T2>) x, int axis, Func<T1, T2, T1, T2, (T1, T2)> combine, bool keepDims = false)
        => Reductions.Along(x, axis, keepDims, combine);

    /// <summary>Reduce of three tiles of one shape together, over all elements, by
    /// <c>(a0, a1, a2, b0, b1, b2) =&gt; (c0, c1, c2)</c>.</summary>
    [TileOp(TileOpKind.Reduce)]
    public static (T1, T2, T3) Reduce<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine)
        => Reductions.All(x, combine);

    /// <summary>Reduce of three tiles of one shape together along <paramref name="axis"/>.</summary>
    [TileOp(TileOpKind.Reduce)]
    public static (Tile<T1>, Tile<T2>, Tile<T3>) Reduce<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, int axis,
        Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine, bool keepDims = false)
        => Reductions.Along(x, axis, keepDims, combine);

    /// <summary>
    /// The inclusive scan of <paramref name="x"/> along <paramref name="axis"/> by <paramref name="combine"/>, a static
    /// <c>[TileFunction]</c> method <c>(T a, T b) =&gt; T</c> (Triton's <c>tl.associative_scan</c>): element k is
    /// <c>combine(…combine(combine(x[0], x[1]), x[2])…, x[k])</c>, in that order, in the interpreter and in kernels alike.
    /// With <paramref name="reverse"/> (a constant; Triton's <c>reverse=True</c>) the scan runs from the end of each line
    /// of n elements toward its start: element k is <c>combine(…combine(combine(x[n-1], x[n-2]), x[n-3])…, x[k])</c>.
    /// </summary>
    [TileOp(TileOpKind.AssociativeScan)]
    public static Tile<T> AssociativeScan<T>(Tile<T> x, int axis, Func<T, T, T> combine, bool reverse = false) => Reductions.Scan(x, axis, combine, reverse);

    /// <summary>AssociativeScan of two tiles of one shape together (Triton's <c>tl.associative_scan</c> on a tuple): the
    /// pairs of each line combined in order by <paramref name="combine"/> <c>(a0, a1, b0, b1) =&gt; (c0, c1)</c>, as for
    /// one tile; a pair of tiles.</summary>
    [TileOp(TileOpKind.AssociativeScan)]
    public static (Tile<T1>, Tile<T2>) AssociativeScan<T1, T2>((Tile<T1>, Tile<T2>) x, int axis, Func<T1, T2, T1, T2, (T1, T2)> combine, bool reverse = false)
        => Reductions.Scan(x, axis, combine, reverse);

    /// <summary>AssociativeScan of three tiles of one shape together.</summary>
    [TileOp(TileOpKind.AssociativeScan)]
    public static (Tile<T1>, Tile<T2>, Tile<T3>) AssociativeScan<T1, T2, T3>((Tile<T1>, Tile<T2>, Tile<T3>) x, int axis,
        Func<T1, T2, T3, T1, T2, T3, (T1, T2, T3)> combine, bool reverse = false)
        => Reductions.Scan(x, axis, combine, reverse);

    /// <summary>
    /// The matrix product of <paramref name="a"/> [M, K] and <paramref name="b"/> [K, N], accumulated in k order into
    /// a [M, N] tile of the same element type (f32 for float tiles).
    /// </summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<T> Dot<T>(Tile<T> a, Tile<T> b) where T : unmanaged => Reductions.Dot(a, b, null);

    /// <summary><c>acc + Dot(a, b)</c>, accumulated into <paramref name="acc"/>'s values.</summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<T> Dot<T>(Tile<T> a, Tile<T> b, Tile<T> acc) where T : unmanaged => Reductions.Dot(a, b, acc);

    /// <summary>Dot of bfloat16 tiles: the products and their sum in float (Triton's default out_dtype), a float tile.</summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<float> Dot(Tile<BFloat16> a, Tile<BFloat16> b) => Reductions.Dot(a.To<float>(), b.To<float>(), null);

    /// <summary>Dot of half-precision tiles: the products and their sum in float, a float tile.</summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<float> Dot(Tile<Half> a, Tile<Half> b) => Reductions.Dot(a.To<float>(), b.To<float>(), null);

    /// <summary>
    /// <c>acc + Dot(a, b)</c> into a float accumulator, of float, bfloat16 or half-precision tiles (Triton's
    /// <c>tl.dot(a, b, acc)</c>): 16-bit products are exact in float. One generic body serves all three (a
    /// [TileFunction] over T).
    /// </summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<float> Dot<T>(Tile<T> a, Tile<T> b, Tile<float> acc) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(BFloat16) && typeof(T) != typeof(Half))
            throw new InvalidOperationException($"Dot into a float accumulator takes float, BFloat16 or Half tiles, not {typeof(T).Name}.");
        return Reductions.Dot(a.To<float>(), b.To<float>(), acc);
    }

    /// <summary>
    /// Dot of float tiles at <paramref name="inputPrecision"/> (a constant; Triton's <c>input_precision</c>): with
    /// <see cref="InputPrecision.Tf32"/>, each operand truncated to tf32 (<see cref="TileMath.TruncateToTf32"/>), the
    /// products summed in float, on tensor cores; M, N and K must be multiples of 16 then (TD0045).
    /// </summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<float> Dot(Tile<float> a, Tile<float> b, InputPrecision inputPrecision) => Dot(a, b, null, inputPrecision);

    /// <summary><c>acc + Dot(a, b, inputPrecision)</c> of float, bfloat16 or half-precision tiles into a float
    /// accumulator (null: none); the precision changes nothing for 16-bit tiles, whose products are exact anyway.</summary>
    [TileOp(TileOpKind.Dot)]
    public static Tile<float> Dot<T>(Tile<T> a, Tile<T> b, Tile<float>? acc, InputPrecision inputPrecision) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(BFloat16) && typeof(T) != typeof(Half))
            throw new InvalidOperationException($"Dot into a float accumulator takes float, BFloat16 or Half tiles, not {typeof(T).Name}.");
        var (af, bf) = (a.To<float>(), b.To<float>());
        return typeof(T) == typeof(float) && inputPrecision == InputPrecision.Tf32
            ? Reductions.Dot(af.Map(TileMath.TruncateToTf32), bf.Map(TileMath.TruncateToTf32), acc)
            : Reductions.Dot(af, bf, acc);
    }

    /// <summary>The transpose of a 2-D tile: [M, N] → [N, M].</summary>
    [TileOp(TileOpKind.Trans)]
    public static Tile<T> Trans<T>(Tile<T> x)
    {
        if (x.Shape.Length != 2) throw new InvalidOperationException($"Trans needs a 2-D tile; this tile has shape {Shapes.Format(x.Shape)}.");
        int m = x.Shape[0], n = x.Shape[1];
        var data = new T[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) data[j * m + i] = x.Data[i * n + j];
        return new Tile<T>(new[] { n, m }, data);
    }

    /// <summary>A 1-D tile with a new axis of size 1 at <paramref name="axis"/> (0: [1, N], 1: [N, 1]): Triton's
    /// <c>expand_dims</c>, the same view as <c>x[None, ..]</c> and <c>x[.., None]</c>.</summary>
    [TileOp(TileOpKind.ExpandDims)]
    public static Tile<T> ExpandDims<T>(Tile<T> x, int axis)
    {
        if (x.Shape.Length != 1) throw new InvalidOperationException($"ExpandDims needs a 1-D tile; this tile has shape {Shapes.Format(x.Shape)}.");
        if (axis is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(axis), axis, "The new axis of a 1-D tile is 0 or 1.");
        return new Tile<T>(axis == 0 ? new[] { 1, x.Shape[0] } : new[] { x.Shape[0], 1 }, x.Data);
    }

    /// <summary>The same elements in row-major order as a tile of shape [d0] (Triton's <c>reshape</c>).</summary>
    [TileOp(TileOpKind.Reshape)]
    public static Tile<T> Reshape<T>(Tile<T> x, int d0) => Reshaped(x, new[] { d0 });

    /// <summary>The same elements in row-major order as a tile of shape [d0, d1].</summary>
    [TileOp(TileOpKind.Reshape)]
    public static Tile<T> Reshape<T>(Tile<T> x, int d0, int d1) => Reshaped(x, new[] { d0, d1 });

    private static Tile<T> Reshaped<T>(Tile<T> x, int[] shape)
    {
        if (Shapes.Count(shape) != x.Data.Length)
            throw new InvalidOperationException($"Cannot reshape a tile of shape {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}: the element counts differ.");
        return new Tile<T>(shape, x.Data);
    }

    /// <summary><paramref name="x"/> repeated along its dimensions of size 1 to shape [d0] (Triton's <c>broadcast_to</c>).</summary>
    [TileOp(TileOpKind.BroadcastTo)]
    public static Tile<T> BroadcastTo<T>(Tile<T> x, int d0) => Broadcasted(x, new[] { d0 });

    /// <summary><paramref name="x"/> (1-D tiles as a row) repeated along its dimensions of size 1 to shape [d0, d1].</summary>
    [TileOp(TileOpKind.BroadcastTo)]
    public static Tile<T> BroadcastTo<T>(Tile<T> x, int d0, int d1) => Broadcasted(x, new[] { d0, d1 });

    private static Tile<T> Broadcasted<T>(Tile<T> x, int[] shape)
    {
        if (!ShapeRules.BroadcastsTo(x.Shape, shape))
            throw new InvalidOperationException($"Cannot broadcast a tile of shape {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}: each dimension must be equal or 1.");
        var data = new T[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = x.Data[Shapes.SourceIndex(shape, x.Shape, i)];
        return new Tile<T>(shape, data);
    }

    /// <summary>
    /// Adds <paramref name="value"/> (broadcast to the pointers' shape) to memory at each pointer where
    /// <paramref name="mask"/> holds, atomically with respect to other programs (Triton's <c>atomic_add</c>). Returns the
    /// values memory held before, 0 where the mask is off; a statement when they are not needed. Every atomic takes
    /// Triton's <c>sem</c> and <c>scope</c> as constant <paramref name="sem"/> (acquire and release by default) and
    /// <paramref name="scope"/> (the device by default), which order the program's other memory accesses around it in
    /// kernels (see <see cref="AtomicSem"/>); the interpreter, running one program at a time, needs no ordering.
    /// </summary>
    [TileOp(TileOpKind.AtomicAdd)]
    public static Tile<T> AtomicAdd<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask = null,
        AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => Atomically(ptrs, value, mask, "AtomicAdd", (_, old, v) => Arith<T>.Add(old, v));

    /// <summary>Adds <paramref name="value"/> to the element at <paramref name="ptr"/> atomically, once per program; returns the old value.</summary>
    [TileOp(TileOpKind.AtomicAdd)]
    public static T AtomicAdd<T>(Ptr<T> ptr, T value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => AtomicAdd(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(value)).Data[0];

    /// <summary>
    /// Sets memory at each pointer where <paramref name="mask"/> holds to the larger of itself and
    /// <paramref name="value"/> (broadcast to the pointers' shape), atomically across programs (Triton's
    /// <c>atomic_max</c>); returns the old values, 0 where the mask is off. int, float or double.
    /// </summary>
    [TileOp(TileOpKind.AtomicMax)]
    public static Tile<T> AtomicMax<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask = null,
        AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => Atomically(ptrs, value, mask, "AtomicMax", (_, old, v) => Arith<T>.Max(old, v));

    /// <summary>The larger of the element at <paramref name="ptr"/> and <paramref name="value"/>, stored atomically once per program; returns the old value.</summary>
    [TileOp(TileOpKind.AtomicMax)]
    public static T AtomicMax<T>(Ptr<T> ptr, T value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => AtomicMax(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(value)).Data[0];

    /// <summary>
    /// Sets memory at each pointer where <paramref name="mask"/> holds to the smaller of itself and
    /// <paramref name="value"/>, atomically across programs (Triton's <c>atomic_min</c>); returns the old values, 0 where
    /// the mask is off. int, float or double.
    /// </summary>
    [TileOp(TileOpKind.AtomicMin)]
    public static Tile<T> AtomicMin<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask = null,
        AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => Atomically(ptrs, value, mask, "AtomicMin", (_, old, v) => Arith<T>.Min(old, v));

    /// <summary>The smaller of the element at <paramref name="ptr"/> and <paramref name="value"/>, stored atomically once per program; returns the old value.</summary>
    [TileOp(TileOpKind.AtomicMin)]
    public static T AtomicMin<T>(Ptr<T> ptr, T value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => AtomicMin(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(value)).Data[0];

    /// <summary>
    /// Replaces memory at each pointer where <paramref name="mask"/> holds with <paramref name="value"/>, atomically
    /// (Triton's <c>atomic_xchg</c>); returns the old values, 0 where the mask is off. Among programs writing one
    /// address, the last one to run wins.
    /// </summary>
    [TileOp(TileOpKind.AtomicXchg)]
    public static Tile<T> AtomicXchg<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask = null,
        AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => Atomically(ptrs, value, mask, "AtomicXchg", (_, _, v) => v);

    /// <summary>Replaces the element at <paramref name="ptr"/> with <paramref name="value"/> atomically, once per program; returns the old value.</summary>
    [TileOp(TileOpKind.AtomicXchg)]
    public static T AtomicXchg<T>(Ptr<T> ptr, T value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => AtomicXchg(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(value)).Data[0];

    /// <summary>
    /// Compare-and-swap at each pointer (Triton's <c>atomic_cas</c>, which takes no mask): where memory equals
    /// <paramref name="compare"/> (bit for bit), it becomes <paramref name="value"/>, atomically. Returns the old values:
    /// where one equals <paramref name="compare"/>, the swap took place.
    /// </summary>
    [TileOp(TileOpKind.AtomicCas)]
    public static Tile<T> AtomicCas<T>(PtrTile<T> ptrs, Tile<T> compare, Tile<T> value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
    {
        var shape = ptrs.Offsets.Shape;
        Shapes.Broadcast(shape, compare.Shape, "AtomicCas");
        return Atomically(ptrs, value, null, "AtomicCas", (i, old, v) => SameBits(old, compare.Data[Shapes.SourceIndex(shape, compare.Shape, i)]) ? v : old);
    }

    /// <summary>Compare-and-swap of the element at <paramref name="ptr"/>, once per program; returns the old value.</summary>
    [TileOp(TileOpKind.AtomicCas)]
    public static T AtomicCas<T>(Ptr<T> ptr, T compare, T value, AtomicSem sem = AtomicSem.AcqRel, AtomicScope scope = AtomicScope.Gpu) where T : unmanaged
        => AtomicCas(ptr + Tile<int>.Scalar(0), Tile<T>.Scalar(compare), Tile<T>.Scalar(value)).Data[0];

    /// <summary>An atomic: each element where the mask holds becomes <c>update(index, old, value)</c>; the old values,
    /// 0 where the mask is off.</summary>
    private static Tile<T> Atomically<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask, string op, Func<int, T, T, T> update) where T : unmanaged
    {
        var old = new T[Shapes.Count(ptrs.Offsets.Shape)];
        Scatter(ptrs, value, mask, op, (i, v) => ptrs.Write(i, update(i, old[i] = ptrs.Read(i), v)));
        return new Tile<T>(ptrs.Offsets.Shape, old);
    }

    /// <summary>Bitwise equality, as a hardware compare-and-swap compares (NaN equals the same NaN; -0 differs from 0).</summary>
    private static bool SameBits<T>(T a, T b) where T : unmanaged
        => System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(new[] { a }))
            .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(new[] { b })));

    /// <summary>Ceiling division of non-negative integers: <c>(a + b - 1) / b</c>. Usable on the host to size grids.</summary>
    [TileOp(TileOpKind.Cdiv)]
    public static int Cdiv(int a, int b) => (a + b - 1) / b;

    /// <summary>
    /// A loop the generator unrolls: <c>foreach (var i in StaticRange(0, N))</c> with constant bounds; inside, <c>i</c>
    /// is a compile-time constant. Use a plain <c>for</c> loop for a runtime loop.
    /// </summary>
    [TileOp(TileOpKind.StaticRange)]
    public static IEnumerable<int> StaticRange(int start, int end) => Enumerable.Range(start, Math.Max(0, end - start));

    /// <summary>Writes each element of <paramref name="value"/> (broadcast to the pointers' shape) where the mask holds.</summary>
    private static void Scatter<T>(PtrTile<T> ptrs, Tile<T> value, Tile<bool>? mask, string op, Action<int, T> write) where T : unmanaged
    {
        var shape = ptrs.Offsets.Shape;
        Shapes.Broadcast(shape, value.Shape, op);
        if (mask is not null) Shapes.Broadcast(shape, mask.Shape, op);
        for (int i = 0; i < Shapes.Count(shape); i++)
        {
            if (mask is null || mask.Data[Shapes.SourceIndex(shape, mask.Shape, i)])
                write(i, value.Data[Shapes.SourceIndex(shape, value.Shape, i)]);
        }
    }

    private static Tile<T> Filled<T>(int[] shape, T value)
    {
        foreach (var d in shape) Shapes.RequirePowerOfTwo(d, "A tile dimension");
        return new Tile<T>(shape, Enumerable.Repeat(value, Shapes.Count(shape)).ToArray());
    }

    private static Tile<T> Select<T>(Tile<bool> condition, Tile<T> a, Tile<T> b) => Map3(condition, a, b, (c, x, y) => c ? x : y, "Where");

    /// <summary>f over three tiles broadcast together (<paramref name="op"/> names the op in shape errors).</summary>
    private static Tile<TOut> Map3<TA, TB, TC, TOut>(Tile<TA> a, Tile<TB> b, Tile<TC> c, Func<TA, TB, TC, TOut> f, string op)
    {
        var shape = Shapes.Broadcast(Shapes.Broadcast(a.Shape, b.Shape, op), c.Shape, op);
        var data = new TOut[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = f(a.Data[Shapes.SourceIndex(shape, a.Shape, i)], b.Data[Shapes.SourceIndex(shape, b.Shape, i)],
                c.Data[Shapes.SourceIndex(shape, c.Shape, i)]);
        }
        return new Tile<TOut>(shape, data);
    }
}
