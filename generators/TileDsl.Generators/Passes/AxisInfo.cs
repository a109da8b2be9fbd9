using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Passes;

/// <summary>
/// How an int tile changes along its last dimension (Triton's AxisInfo, reduced to what vectorization asks): by a
/// known step (<see cref="Step"/>; 0 means constant along it), by a scalar's value (<see cref="Scalar"/>: consecutive
/// only if that scalar is 1, a condition the generated code checks), or unknown.
/// </summary>
internal readonly record struct AxisStride(int? Step, int? Scalar)
{
    public static readonly AxisStride Unknown = new(null, null);

    public static AxisStride Constant(int step) => new(step, null);

    public bool IsUniform => Step == 0;

    /// <summary>Consecutive elements along the last dimension are consecutive integers (or are when <see cref="Scalar"/> is 1).</summary>
    public bool IsUnit => Step == 1 || Scalar is not null;
}

/// <summary>
/// The analysis: <see cref="AxisStride"/> of every value, computed on demand from its operands; and, as Triton's
/// divisibility, the largest power of two known to divide an int value: at the start of each run along the last
/// dimension (<see cref="RunDivisor"/>: a thread's vector of w consecutive elements starts at a multiple of w within the
/// run, so its first offset is a multiple of w when this is) or at every element (<see cref="Divisor"/>). Int parameters
/// are known only in a kernel specialized for divisible arguments (<see cref="Assumed"/>).
/// </summary>
internal sealed class AxisInfo
{
    private readonly IReadOnlyDictionary<int, Op> values;
    private readonly Dictionary<int, AxisStride> memo = new();
    private readonly Dictionary<int, (int Run, int All)> divisors = new();
    private readonly IReadOnlyDictionary<int, LoopRange> loops;

    /// <summary>The divisibility a specialized kernel's int parameters (and views' alignment, in bytes) are known to have.</summary>
    public const int Divisible = 16;

    /// <summary>Powers of two above this are not told apart (the value 0 divides by all).</summary>
    private const int Unbounded = 1 << 16;

    public AxisInfo(IReadOnlyDictionary<int, Op> values, IReadOnlyDictionary<int, LoopRange>? loops = null, IReadOnlyDictionary<string, int>? assumed = null)
    {
        this.values = values;
        this.loops = loops ?? new Dictionary<int, LoopRange>();
        Assumed = assumed;
    }

    /// <summary>
    /// In a kernel specialized for divisible arguments: what each int parameter is known to be, by name: 1 (it is
    /// one: a stride along the last dimension) or <see cref="Divisible"/> (a multiple of it); its views are then
    /// aligned to <see cref="Divisible"/> bytes. Null in the general kernel.
    /// </summary>
    public IReadOnlyDictionary<string, int>? Assumed { get; }

    /// <summary>The int value of a constant, or of a parameter known to be 1.</summary>
    private int? ConstantInt(int id) => values[id] switch
    {
        ConstOp { Value: int k } => k,
        ParamOp p when Assumed is { } a && a.TryGetValue(p.Parameter, out int known) && known == 1 => 1,
        _ => null,
    };

    /// <summary>The largest power of two known to divide the value at the start of each run along the last dimension.</summary>
    public int RunDivisor(int id) => Divisors(id).Run;

    /// <summary>The largest power of two known to divide the value at every element.</summary>
    public int Divisor(int id) => Divisors(id).All;

    /// <summary>
    /// Whether a bool tile is the same across each group of <paramref name="width"/> consecutive elements along the last
    /// dimension that starts at a multiple of the width: constant along it, or <c>x &lt; s</c> (or <c>x &gt;= s</c>) with x
    /// stepping by 1 from multiples of the width and s a multiple of it (Triton's constancy), or a conjunction or
    /// disjunction of such.
    /// </summary>
    public bool UniformIn(int id, int width)
    {
        if (Of(id).IsUniform) return true;
        if (values[id] is ExpandDimsOp or BroadcastOp) return UniformIn(values[id].Operands.First(), width);
        if (values[id] is not ElementwiseOp e) return false;
        switch (e.Kind)
        {
            case TileOpKind.And or TileOpKind.Or:
                return UniformIn(e.Args[0], width) && UniformIn(e.Args[1], width);
            case TileOpKind.Lt or TileOpKind.Ge:
                return Steps(e.Args[0], e.Args[1], width);
            case TileOpKind.Gt or TileOpKind.Le:
                return Steps(e.Args[1], e.Args[0], width);
            default:
                return false;
        }

        bool Steps(int x, int bound, int w) => Of(x).Step == 1 && RunDivisor(x) >= w && Of(bound).IsUniform && Divisor(bound) >= w;
    }

    private (int Run, int All) Divisors(int id)
    {
        if (divisors.TryGetValue(id, out var known)) return known;
        divisors[id] = (1, 1); // a cycle through a loop knows nothing
        var result = ComputeDivisors(values[id]);
        divisors[id] = result;
        return result;
    }

    private (int Run, int All) ComputeDivisors(Op op)
    {
        static (int, int) Both(int d) => (d, d);
        switch (op)
        {
            case ConstOp { Value: int c }:
                return Both(PowerOfTwo(c));
            case ParamOp { Type.Element: ElementType.Int } p:
                return Both(Assumed is { } assumed && assumed.TryGetValue(p.Parameter, out int known) ? known : 1);
            case LoopValueOp { Kind: LoopValueKind.Index } index when loops.TryGetValue(index.Id, out var loop):
                return Both(System.Math.Min(Divisor(loop.Start), Divisor(loop.Step)));
            case ArangeOp arange:
                return (PowerOfTwo(arange.Start), arange.Type.Shape[arange.Type.Rank - 1] > 1 ? 1 : PowerOfTwo(arange.Start));
            case ExpandDimsOp expand:
            {
                var source = Divisors(expand.Source);
                // A new last axis makes every element of the source the start of its own run.
                return expand.Axis == op.Type.Rank - 1 ? Both(source.All) : source;
            }
            case BroadcastOp broadcast:
                return Divisors(broadcast.Source);
            case TransOp trans:
                return Both(Divisors(trans.Source).All);
            case PointerOp pointer:
                return Divisors(pointer.Offsets);
            case FullOp full:
                return Both(Divisor(full.Fill));
            case CastOp cast when values[cast.Source].Type.Element is ElementType.Int or ElementType.Long && op.Type.Element is ElementType.Int or ElementType.Long:
                return Divisors(cast.Source);
            case ElementwiseOp { Kind: TileOpKind.Add or TileOpKind.Sub } sum when op.Type.Element is ElementType.Int or ElementType.Long:
            {
                var (a, b) = (Divisors(sum.Args[0]), Divisors(sum.Args[1]));
                return (System.Math.Min(a.Run, b.Run), System.Math.Min(a.All, b.All));
            }
            case ElementwiseOp { Kind: TileOpKind.Mul } product when op.Type.Element is ElementType.Int or ElementType.Long:
            {
                var (a, b) = (Divisors(product.Args[0]), Divisors(product.Args[1]));
                return (Cap((long)a.Run * b.Run), Cap((long)a.All * b.All));
            }
            default:
                return Both(1);
        }
    }

    private static int PowerOfTwo(int value) => value == 0 || value == int.MinValue ? Unbounded : System.Math.Min(value & -value, Unbounded);

    private static int Cap(long value) => (int)System.Math.Min(value, Unbounded);

    public AxisStride Of(int id)
    {
        if (memo.TryGetValue(id, out var known)) return known;
        var stride = Compute(values[id]);
        memo[id] = stride;
        return stride;
    }

    private AxisStride Compute(Op op)
    {
        var type = op.Type;
        if (type.IsScalar || type.Shape[type.Rank - 1] == 1) return AxisStride.Constant(0);
        switch (op)
        {
            case ArangeOp:
                return AxisStride.Constant(1);
            case ExpandDimsOp expand:
                return Of(expand.Source);
            case BroadcastOp broadcast:
                var source = values[broadcast.Source].Type;
                return source.Shape[source.Rank - 1] == 1 ? AxisStride.Constant(0) : Of(broadcast.Source);
            case PointerOp pointer:
                return Of(pointer.Offsets);
            case FullOp:
                return AxisStride.Constant(0);
            case ElementwiseOp { Kind: TileOpKind.Add or TileOpKind.Sub } sum:
                return Sum(Of(sum.Args[0]), Of(sum.Args[1]), sum.Kind == TileOpKind.Sub);
            case ElementwiseOp { Kind: TileOpKind.Mul } product:
                return Product(product.Args[0], product.Args[1]) ?? Product(product.Args[1], product.Args[0]) ?? Uniform(op);
            default:
                return Uniform(op);
        }
    }

    /// <summary>Constant along the axis when every operand is; else unknown.</summary>
    private AxisStride Uniform(Op op) => op.Operands.All(o => Of(o).IsUniform) && op is not (LoopValueOp or DotOp or ReduceOp or ScanOp or ReshapeOp or AtomicValueOp)
        ? AxisStride.Constant(0)
        : AxisStride.Unknown;

    private static AxisStride Sum(AxisStride a, AxisStride b, bool subtract)
    {
        if (b.IsUniform) return a;
        if (a.IsUniform && !subtract) return b;
        if (a.Step is { } x && b.Step is { } y) return AxisStride.Constant(subtract ? x - y : x + y);
        return AxisStride.Unknown;
    }

    /// <summary><paramref name="tile"/> times the scalar <paramref name="factor"/>, or null when the factor is no scalar.</summary>
    private AxisStride? Product(int tile, int factor)
    {
        if (!values[factor].Type.IsScalar) return null;
        var stride = Of(tile);
        if (stride.IsUniform) return stride;
        if (ConstantInt(factor) is { } k && stride.Step is { } step) return AxisStride.Constant(step * k);
        if (stride.Step == 1) return new AxisStride(null, factor);
        return AxisStride.Unknown;
    }
}
