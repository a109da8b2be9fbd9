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

/// <summary>The analysis: <see cref="AxisStride"/> of every value, computed on demand from its operands.</summary>
internal sealed class AxisInfo
{
    private readonly IReadOnlyDictionary<int, Op> values;
    private readonly Dictionary<int, AxisStride> memo = new();

    public AxisInfo(IReadOnlyDictionary<int, Op> values) => this.values = values;

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
        if (values[factor] is ConstOp { Value: int k } && stride.Step is { } step) return AxisStride.Constant(step * k);
        if (stride.Step == 1) return new AxisStride(null, factor);
        return AxisStride.Unknown;
    }
}
