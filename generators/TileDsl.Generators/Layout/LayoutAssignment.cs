using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Layout;

/// <summary>
/// The result of layout assignment: for every tile value, the layouts it must be available in. The first is where it
/// is computed (its home); each further one is a conversion through shared memory (for values read from memory,
/// computed by Dot or a reduction, or loop-carried) or a recomputation (for values that are pure functions of indices
/// and scalars).
/// </summary>
internal sealed class LayoutPlan
{
    /// <summary>Whether this is the plan of a Hopper variant: 16-bit Dots take their <c>wgmma</c> tiling where they have one.</summary>
    public bool Wgmma { get; init; }

    public Dictionary<int, List<LinearLayout>> Layouts { get; } = new();

    public HashSet<int> Materialized { get; } = new();

    /// <summary>The layouts a Dot (a, b) or a reduction (its source) reads its operands in, by the value's id.</summary>
    public Dictionary<int, LinearLayout[]> OperandLayouts { get; } = new();

    /// <summary>The layout each Store or AtomicAdd writes from.</summary>
    public Dictionary<StoreStatement, LinearLayout> StoreLayouts { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The layout each <see cref="AsyncCopy"/> copies in: its pipelined load's, which the Dot stages from.</summary>
    public Dictionary<AsyncCopy, LinearLayout> CopyLayouts { get; } = new();

    private sealed class ReferenceEqualityComparer : IEqualityComparer<StoreStatement>
    {
        public static readonly ReferenceEqualityComparer Instance = new();

        public bool Equals(StoreStatement? x, StoreStatement? y) => ReferenceEquals(x, y);

        public int GetHashCode(StoreStatement obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}

/// <summary>
/// Assigns layouts (the step from the tile IR to the distributed IR). A forward pass finds each value's preferred
/// layout: a Dot result lives in the Dot layout, a reduction in its operand's layout without the reduced axis,
/// elementwise results inherit from their operands and loop-carried values from what the body yields. Then layouts
/// are assigned backwards from the anchors (Store, loop-carried values, Dot and reduction operands): a value takes
/// the one layout all its users want, index arithmetic is recomputed wherever it is needed, views (x[.., None],
/// Trans, pointer tiles) pass requests through.
/// </summary>
internal sealed class LayoutAssignment
{
    private readonly int numThreads;
    private readonly Dictionary<int, Op> values = new();
    private readonly Dictionary<int, LinearLayout> preferred = new();
    private readonly Dictionary<int, List<LinearLayout>> requests = new();
    private readonly LayoutPlan plan;

    private LayoutAssignment(int numThreads, bool wgmma)
    {
        this.numThreads = numThreads;
        plan = new LayoutPlan { Wgmma = wgmma };
    }

    /// <summary>The plan of a body on <paramref name="numThreads"/> threads; with <paramref name="wgmma"/>, of its Hopper variant.</summary>
    public static LayoutPlan Assign(IReadOnlyList<Statement> body, int numThreads, bool wgmma = false)
    {
        var assignment = new LayoutAssignment(numThreads, wgmma);
        assignment.Collect(body);
        assignment.Forward(body);
        assignment.Backward(body);
        return assignment.plan;
    }

    public static bool IsView(Op op) => op is ExpandDimsOp or PointerOp or TransOp or BroadcastOp;

    private LinearLayout Blocked(TileType type) => Layouts.Blocked(type.Shape, numThreads);


    private void Collect(IReadOnlyList<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Op: var v }:
                    values[v.Id] = v;
                    if (!v.Type.IsScalar && Computes(v) && (v is LoadOp or DotOp or ReduceOp or ScanOp or ReshapeOp || v.Operands.Any(IsMaterialized)))
                        plan.Materialized.Add(v.Id);
                    break;
                case StoreStatement { Result: { } old }:
                    Carried(old);
                    break;
                case Loop loop:
                    if (loop.Range is { } range) values[range.Index.Id] = range.Index;
                    foreach (var arg in loop.Args) Carried(arg);
                    Collect(loop.Body);
                    foreach (var result in loop.Results) Carried(result);
                    break;
            }
        }

        void Carried(Op v)
        {
            values[v.Id] = v;
            if (!v.Type.IsScalar) plan.Materialized.Add(v.Id);
        }
    }

    private static bool Computes(Op v) => !IsView(v) && v is not (ConstOp or ParamOp);

    private bool IsMaterialized(int id)
    {
        var v = values[id];
        return IsView(v) ? IsMaterialized(v.Operands.First()) : plan.Materialized.Contains(id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward: preferred layouts

    private void Forward(IReadOnlyList<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Op: var v } when !v.Type.IsScalar:
                    if (Prefer(v) is { } layout) preferred[v.Id] = layout;
                    break;
                case StoreStatement { Result: { } old } store when !old.Type.IsScalar:
                    preferred[old.Id] = StoreLayout(store); // an atomic's old values live where it runs
                    break;
                case Loop loop:
                    for (int k = 0; k < loop.Args.Count; k++) Inherit(loop.Args[k].Id, loop.Inits[k]);
                    Forward(loop.Body);
                    for (int k = 0; k < loop.Args.Count; k++) Inherit(loop.Args[k].Id, loop.Yields[k]);
                    Forward(loop.Body); // once more with what the carried values settled on
                    for (int k = 0; k < loop.Args.Count; k++) Inherit(loop.Results[k].Id, loop.Args[k].Id);
                    break;
            }
        }

        void Inherit(int target, int source)
        {
            if (preferred.TryGetValue(source, out var layout)) preferred[target] = layout;
        }
    }

    private LinearLayout? Prefer(Op v)
    {
        switch (v)
        {
            case DotOp dot:
                return MmaTiling.For(dot, values[dot.A].Type, numThreads, plan.Wgmma) is { } mma
                    ? Layouts.Mma(v.Type.Shape[0], v.Type.Shape[1], mma, numThreads)
                    : Layouts.Dot(v.Type.Shape[0], v.Type.Shape[1], numThreads);
            case ReduceOp reduce:
                return ReduceHome(reduce);
            case TransOp trans:
                return preferred.TryGetValue(trans.Source, out var source) ? source.Transpose() : null;
            case PointerOp pointer:
                return preferred.TryGetValue(pointer.Offsets, out var offsets) ? offsets : null;
            case ElementwiseOp or CastOp or LoadOp or ScanOp:
                foreach (int a in v.Operands)
                    if (values[a].Type.Shape.Equals(v.Type.Shape) && preferred.TryGetValue(a, out var layout)) return layout;
                return null;
            default:
                return null;
        }
    }

    /// <summary>Where a value is best read by an op that can take any layout (Dot and reduction operands).</summary>
    private LinearLayout Natural(int id)
    {
        var v = values[id];
        return v switch
        {
            TransOp trans => Natural(trans.Source).Transpose(),
            PointerOp pointer => Natural(pointer.Offsets),
            _ => preferred.TryGetValue(id, out var layout) ? layout : Blocked(v.Type),
        };
    }

    private LinearLayout ReduceHome(ReduceOp v)
    {
        var operand = Natural(v.Source);
        return v.KeepDims ? operand.Project(v.Type.Shape).Layout : operand.Slice(v.Axis).Layout;
    }

    private LinearLayout Home(Op v) => preferred.TryGetValue(v.Id, out var layout) ? layout : Blocked(v.Type);

    // ---------------------------------------------------------------------------------------------------------------
    // Backward: requests from users, settled into layouts

    private void Backward(IReadOnlyList<Statement> body)
    {
        for (int i = body.Count - 1; i >= 0; i--)
        {
            switch (body[i])
            {
                case StoreStatement store:
                {
                    var layout = StoreLayout(store);
                    plan.StoreLayouts[store] = layout;
                    if (store.Result is { Type.IsScalar: false } old)
                    {
                        preferred[old.Id] = layout; // its home: the atomic defines it where it runs
                        Settle(old);
                    }
                    Request(store.Pointers, layout);
                    RequestOperand(store.Data, layout);
                    if (store.Mask is { } mask) RequestOperand(mask, layout);
                    if (store.Compare is { } compare) RequestOperand(compare, layout);
                    break;
                }
                case AsyncCopy copy:
                {
                    // Into wgmma's swizzled stages, 16-bit tiles go 16 bytes a copy (8 elements a thread): a whole
                    // 16-byte chunk of the swizzle each, half the instructions of the usual 8-byte vectors.
                    // A tf32 Dot's b, loaded along n, goes into its k-major stage one element a copy, transposed.
                    var load = values[copy.Load];
                    var layout = plan.Wgmma && Semantics.ElementTypes.IsSixteenBit(load.Type.Element)
                        ? Layouts.Blocked(load.Type.Shape, numThreads, Passes.Vectorize.MaxCopyElements)
                        : values.Values.OfType<DotOp>().Any(d => d.Tf32 && d.B == copy.Load) ? Layouts.Transposing(load.Type.Shape, numThreads)
                        : Natural(copy.Load);
                    plan.CopyLayouts[copy] = layout;
                    Request(copy.Pointers, layout);
                    if (copy.Mask is { } mask) RequestOperand(mask, layout);
                    break;
                }
                case Define { Op: ReduceOp v } when v.Type.IsScalar:
                    ReadOperands(v);
                    break;
                case Define { Op: var v } when !v.Type.IsScalar && Computes(v):
                    Settle(v);
                    break;
                case Loop loop:
                    foreach (var result in loop.Results) Settle(result);
                    for (int k = 0; k < loop.Yields.Count; k++) Request(loop.Yields[k], Home(loop.Args[k]));
                    Backward(loop.Body);
                    foreach (var arg in loop.Args) Settle(arg);
                    for (int k = 0; k < loop.Inits.Count; k++) Request(loop.Inits[k], Home(loop.Args[k]));
                    break;
            }
        }
    }

    /// <summary>Where a Store or an atomic writes from: the data's preferred layout if it has the pointers' shape, else
    /// the blocked layout of the pointers.</summary>
    private LinearLayout StoreLayout(StoreStatement store)
    {
        var pointers = values[store.Pointers].Type;
        return values[store.Data].Type.Shape.Equals(pointers.Shape) && preferred.TryGetValue(store.Data, out var p)
            ? p
            : Layouts.Blocked(pointers.Shape, numThreads);
    }

    /// <summary>Fixes the layouts of a value once all its users have asked, and asks its operands in turn.</summary>
    private void Settle(Op v)
    {
        var wanted = requests.TryGetValue(v.Id, out var r) ? r : new List<LinearLayout>();
        bool carried = v is LoopValueOp;
        if (wanted.Count == 0 && !carried) return; // nobody reads it: dropped
        List<LinearLayout> layouts;
        if (plan.Materialized.Contains(v.Id))
        {
            // The results of a tuple scan are computed together: one home, whoever reads them.
            var home = carried || v is DotOp or ReduceOp or AtomicValueOp or ScanOp { Tuple: not null } ? Home(v)
                : wanted.Count == 1 ? wanted[0]
                : preferred.TryGetValue(v.Id, out var p) && wanted.Contains(p) ? p
                : wanted[0];
            layouts = new List<LinearLayout> { home };
            layouts.AddRange(wanted.Where(l => !l.Equals(home)));
        }
        else
        {
            layouts = wanted;
        }
        plan.Layouts[v.Id] = layouts;
        if (carried || v is LoadOp { Pipelined: true }) return; // a pipelined load's copies compute its addresses
        if (v is DotOp or ReduceOp or ReshapeOp)
        {
            ReadOperands(v);
            return;
        }
        foreach (var layout in plan.Materialized.Contains(v.Id) ? layouts.Take(1) : layouts)
            foreach (int operand in v.Operands) RequestOperand(operand, layout);
    }

    /// <summary>Dot, reductions and reshapes read their operands in their natural layouts and stage them as they need.</summary>
    private void ReadOperands(Op v)
    {
        switch (v)
        {
            case ReshapeOp reshape:
            {
                var layout = Natural(reshape.Source);
                plan.OperandLayouts[v.Id] = new[] { layout };
                Request(reshape.Source, layout);
                return;
            }
            case ReduceOp reduce:
            {
                // The tiles of a tuple Reduce are all read in the first one's layout, where they are combined together.
                var layout = Natural(reduce.Source);
                plan.OperandLayouts[v.Id] = new[] { layout };
                foreach (int source in reduce.Operands) Request(source, layout);
                return;
            }
            case DotOp dot:
            {
                var a = Natural(dot.A);
                var b = Natural(dot.B);
                plan.OperandLayouts[v.Id] = new[] { a, b };
                Request(dot.A, a);
                Request(dot.B, b);
                if (dot.Acc is { } acc) Request(acc, Home(v));
                return;
            }
        }
    }

    private void RequestOperand(int id, LinearLayout consumer)
    {
        if (values[id].Type.IsScalar) return;
        Request(id, consumer.Project(values[id].Type.Shape).Layout);
    }

    private void Request(int id, LinearLayout layout)
    {
        var v = values[id];
        if (v.Type.IsScalar) return;
        switch (v)
        {
            case ExpandDimsOp expand:
                Request(expand.Source, layout.Slice(expand.Axis).Layout);
                return;
            case TransOp trans:
                Request(trans.Source, layout.Transpose());
                return;
            case BroadcastOp broadcast:
                RequestOperand(broadcast.Source, layout);
                return;
            case PointerOp pointer:
                Request(pointer.Offsets, layout);
                return;
        }
        if (!requests.TryGetValue(id, out var list)) requests[id] = list = new List<LinearLayout>();
        if (!list.Contains(layout)) list.Add(layout);
    }
}
