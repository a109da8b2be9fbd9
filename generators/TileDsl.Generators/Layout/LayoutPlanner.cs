using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Layout;

/// <summary>
/// The layout stage's result: for every tile value, the layouts it must be available in. The first is where it is
/// computed (its home); each further one is a conversion through shared memory (for values read from memory,
/// computed by Dot or a reduction, or loop-carried) or a recomputation (for values that are pure functions of
/// indices and scalars).
/// </summary>
internal sealed class LayoutPlan
{
    public Dictionary<int, List<TileLayout>> Layouts { get; } = new();

    public HashSet<int> Materialized { get; } = new();

    /// <summary>The layouts a Dot or a reduction reads its operands in, by the value's id.</summary>
    public Dictionary<int, TileLayout[]> OperandLayouts { get; } = new();

    /// <summary>The Dots whose k is split over slices of the program's threads (<see cref="DotSlices"/>), by the value's id.</summary>
    public Dictionary<int, DotSplit> DotSplits { get; } = new();

    /// <summary>The layout each Store or AtomicAdd writes from.</summary>
    public Dictionary<StoreTo, TileLayout> StoreLayouts { get; } = new();

    /// <summary>
    /// Shared memory, in elements per element kind: one arena per kind, reused by every conversion, reduction and
    /// Dot in turn (they are separated by barriers), so its size is the largest single use, not the sum.
    /// </summary>
    public Dictionary<ScalarKind, int> Arenas { get; } = new();

    public int SharedMemoryBytes => Arenas.Sum(a => a.Value * ElementBytes(a.Key));

    public IEnumerable<TileLayout> AllLayouts
        => Layouts.Values.SelectMany(l => l).Concat(OperandLayouts.Values.SelectMany(l => l)).Concat(StoreLayouts.Values)
            .Concat(DotSplits.Values.SelectMany(s => new[] { s.Part, new TileLayout(EquatableArray.Of(s.Slice)) }));

    /// <summary>The arena an element kind is staged in (bools travel as ints).</summary>
    public static ScalarKind ArenaKind(ScalarKind kind) => kind == ScalarKind.Bool ? ScalarKind.Int : kind;

    public static int ElementBytes(ScalarKind kind) => kind == ScalarKind.Double ? 8 : 4;

    public void UseShared(ScalarKind kind, int elements)
    {
        kind = ArenaKind(kind);
        Arenas[kind] = System.Math.Max(Arenas.TryGetValue(kind, out int n) ? n : 0, elements);
    }

    /// <summary>Padding of a Dot operand's rows in shared memory: an odd row length keeps column walks conflict-free.</summary>
    public static int DotPadded(int rowLength) => rowLength % 2 == 0 ? rowLength + 1 : rowLength;

    /// <summary>Bytes a Dot may stage at once; larger operands are staged in chunks of k.</summary>
    public const int DotStagingBytes = 40 * 1024;

    /// <summary>
    /// The chunk of k a Dot [m, k] × [k, n] stages at once: all of k when both operands fit in
    /// <see cref="DotStagingBytes"/>, else the largest power-of-two part of k that fits (at least 8).
    /// </summary>
    public static int DotChunk(int m, int k, int n, ScalarKind kind)
    {
        int chunk = k;
        while (chunk > 8 && chunk % 2 == 0 && DotStaging(m, chunk, n) * ElementBytes(kind) > DotStagingBytes) chunk /= 2;
        return chunk;
    }

    /// <summary>Registers per thread above which a Dot's k is not split further (<see cref="DotSlices"/>).</summary>
    public const int DotSplitRegisters = 8;

    /// <summary>
    /// Into how many slices of the program's threads a Dot [m, chunk] × [chunk, n] splits k. In the Dot layout a
    /// thread holding an R × C block of the result reads R + C staged values per R·C multiply-adds, so a small result
    /// spread over many threads (2 registers each for 16 × 16 on 128 threads) is bound by shared-memory reads. Split
    /// into s slices, each slice computes the whole result over its k / s in the Dot layout of numThreads / s threads
    /// (s times the registers each), and the partial results are summed through shared memory. The largest s (2, 4
    /// or 8) is taken whose slices are at least a warp, cover at least 8 steps of k each, keep at most
    /// <see cref="DotSplitRegisters"/> registers per thread without replicating the result, and whose partials fit in
    /// <see cref="DotStagingBytes"/>; 1 where none gains.
    /// </summary>
    public static int DotSlices(int m, int n, int chunk, int numThreads, ScalarKind kind)
    {
        int slices = 1, registers = TileLayout.Dot(m, n, numThreads).RegisterCount;
        for (int s = 2; s <= 8; s *= 2)
        {
            int threads = numThreads / s;
            var part = TileLayout.Dot(m, n, threads);
            if (threads < 32 || chunk % s != 0 || chunk / s < 8 || part.RegisterCount > DotSplitRegisters
                || s * m * n * ElementBytes(kind) > DotStagingBytes) break;
            if (part.DistinctThreads == threads && part.RegisterCount > registers) slices = s;
        }
        return slices;
    }

    /// <summary>Elements a Dot stages for a chunk of k: a as [m][k], b as [k][n], rows padded.</summary>
    public static int DotStaging(int m, int k, int n) => m * DotPadded(k) + k * DotPadded(n);

    /// <summary>Warps a reduction along <paramref name="d"/> spans (1: shuffles suffice).</summary>
    public static int ReductionWarps(DimLayout d) => d.Threads <= 1 || d.Stride * d.Threads <= 32 ? 1 : d.Stride * d.Threads / System.Math.Max(d.Stride, 32);
}

/// <summary>
/// A Dot whose k is split over <see cref="Slice"/>.Threads slices of the program's threads: slice
/// <c>tid / Slice.Stride</c> computes the whole result over its share of k in <see cref="Part"/>, the Dot layout of
/// one slice's threads.
/// </summary>
internal sealed record DotSplit(TileLayout Part, DimLayout Slice);

/// <summary>
/// Assigns layouts. A forward pass finds each value's preferred layout: a Dot result lives in the Dot layout, a
/// reduction in its operand's layout without the reduced axis, elementwise results inherit from their operands and
/// loop-carried values from what the body yields. Then layouts are assigned backwards from the anchors (Store,
/// loop-carried values, Dot and reduction operands): a value takes the one layout all its users want, index
/// arithmetic is recomputed wherever it is needed, views (x[.., None], Trans, pointer tiles) pass requests through.
/// </summary>
internal sealed class LayoutPlanner
{
    private readonly int numThreads;
    private readonly Dictionary<int, Value> values = new();
    private readonly Dictionary<int, TileLayout> preferred = new();
    private readonly Dictionary<int, List<TileLayout>> requests = new();
    private readonly LayoutPlan plan = new();

    private LayoutPlanner(int numThreads) => this.numThreads = numThreads;

    public static LayoutPlan Plan(IReadOnlyList<Statement> body, int numThreads)
    {
        var planner = new LayoutPlanner(numThreads);
        planner.Collect(body);
        planner.Forward(body);
        planner.Backward(body);
        return planner.plan;
    }

    public static bool IsView(Value value) => value.Op is OpKind.ExpandDims or OpKind.PointerView or OpKind.Trans;

    private TileLayout Blocked(TileType type) => TileLayout.Blocked(type.Shape, numThreads);

    private void Collect(IReadOnlyList<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Value: var v }:
                    values[v.Id] = v;
                    if (!v.Type.IsScalar && Computes(v) && (v.Op is OpKind.Load or OpKind.Dot or OpKind.Reduce || v.Args.Any(IsMaterialized)))
                        plan.Materialized.Add(v.Id);
                    break;
                case Loop loop:
                    values[loop.Index.Id] = loop.Index;
                    foreach (var arg in loop.Args) Carried(arg);
                    Collect(loop.Body);
                    foreach (var result in loop.Results) Carried(result);
                    break;
            }
        }

        void Carried(Value v)
        {
            values[v.Id] = v;
            if (!v.Type.IsScalar) plan.Materialized.Add(v.Id);
        }
    }

    private static bool Computes(Value v) => !IsView(v) && v.Op is not (OpKind.Const or OpKind.Param);

    private bool IsMaterialized(int id)
    {
        if (id < 0) return false;
        var v = values[id];
        return IsView(v) ? IsMaterialized(v.Args[0]) : plan.Materialized.Contains(id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward: preferred layouts

    private void Forward(IReadOnlyList<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Value: var v } when !v.Type.IsScalar:
                    if (Prefer(v) is { } layout) preferred[v.Id] = layout;
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

    private TileLayout? Prefer(Value v)
    {
        switch (v.Op)
        {
            case OpKind.Dot:
                return TileLayout.Dot(v.Type.Shape[0], v.Type.Shape[1], numThreads);
            case OpKind.Reduce:
                return ReduceHome(v);
            case OpKind.Trans:
                return preferred.TryGetValue(v.Args[0], out var source) ? source.Swap() : null;
            case OpKind.PointerView:
                return preferred.TryGetValue(v.Args[0], out var offsets) ? offsets : null;
            case OpKind.Elementwise or OpKind.Cast or OpKind.Load:
                foreach (int a in v.Args)
                    if (a >= 0 && values[a].Type.Shape.Equals(v.Type.Shape) && preferred.TryGetValue(a, out var layout)) return layout;
                return null;
            default:
                return null;
        }
    }

    /// <summary>Where a value is best read by an op that can take any layout (Dot and reduction operands).</summary>
    private TileLayout Natural(int id)
    {
        var v = values[id];
        return v.Op switch
        {
            OpKind.Trans => Natural(v.Args[0]).Swap(),
            OpKind.PointerView => Natural(v.Args[0]),
            _ => preferred.TryGetValue(id, out var layout) ? layout : Blocked(v.Type),
        };
    }

    private TileLayout ReduceHome(Value v)
    {
        var operand = Natural(v.Args[0]);
        return v.Type.Rank == operand.Rank ? operand.Collapse(v.Int) : operand.DropAxis(v.Int);
    }

    private TileLayout Home(Value v) => preferred.TryGetValue(v.Id, out var layout) ? layout : Blocked(v.Type);

    // ---------------------------------------------------------------------------------------------------------------
    // Backward: requests from users, settled into layouts

    private void Backward(IReadOnlyList<Statement> body)
    {
        for (int i = body.Count - 1; i >= 0; i--)
        {
            switch (body[i])
            {
                case StoreTo store:
                {
                    var data = values[store.Data];
                    var pointers = values[store.Pointers].Type;
                    var layout = data.Type.Shape.Equals(pointers.Shape) && preferred.TryGetValue(store.Data, out var p)
                        ? p
                        : TileLayout.Blocked(pointers.Shape, numThreads);
                    plan.StoreLayouts[store] = layout;
                    Request(store.Pointers, layout);
                    RequestOperand(store.Data, layout);
                    RequestOperand(store.Mask, layout);
                    break;
                }
                case Define { Value: var v } when v.Type.IsScalar && v.Op == OpKind.Reduce:
                    ReadOperands(v);
                    break;
                case Define { Value: var v } when !v.Type.IsScalar && Computes(v):
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

    /// <summary>Fixes the layouts of a value once all its users have asked, and asks its operands in turn.</summary>
    private void Settle(Value v)
    {
        var wanted = requests.TryGetValue(v.Id, out var r) ? r : new List<TileLayout>();
        bool carried = v.Op is OpKind.LoopArg or OpKind.LoopResult;
        if (wanted.Count == 0 && !carried) return; // nobody reads it: dropped
        List<TileLayout> layouts;
        if (plan.Materialized.Contains(v.Id))
        {
            var home = carried || v.Op is OpKind.Dot or OpKind.Reduce ? Home(v)
                : wanted.Count == 1 ? wanted[0]
                : preferred.TryGetValue(v.Id, out var p) && wanted.Contains(p) ? p
                : wanted[0];
            layouts = new List<TileLayout> { home };
            layouts.AddRange(wanted.Where(l => !l.Equals(home)));
            if (layouts.Count > 1) plan.UseShared(v.Type.Kind, ElementCount(v.Type));
        }
        else
        {
            layouts = wanted;
        }
        plan.Layouts[v.Id] = layouts;
        if (carried) return;
        if (v.Op is OpKind.Dot or OpKind.Reduce)
        {
            ReadOperands(v);
            return;
        }
        foreach (var layout in plan.Materialized.Contains(v.Id) ? layouts.Take(1) : layouts)
            foreach (int operand in v.Args) RequestOperand(operand, layout);
    }

    /// <summary>Dot and reductions read their operands in their natural layouts and stage them as they need.</summary>
    private void ReadOperands(Value v)
    {
        if (v.Op == OpKind.Reduce)
        {
            var layout = Natural(v.Args[0]);
            plan.OperandLayouts[v.Id] = new[] { layout };
            Request(v.Args[0], layout);
            int warps = LayoutPlan.ReductionWarps(layout.Dims[v.Int]);
            if (warps > 1)
            {
                int outputs = System.Math.Max(1, ElementCount(v.Type));
                plan.UseShared(values[v.Args[0]].Type.Kind, warps * outputs);
                if (v.Text == "Argmax") plan.UseShared(ScalarKind.Int, warps * outputs);
            }
            return;
        }
        var a = Natural(v.Args[0]);
        var b = Natural(v.Args[1]);
        plan.OperandLayouts[v.Id] = new[] { a, b };
        Request(v.Args[0], a);
        Request(v.Args[1], b);
        if (v.Args[2] >= 0) Request(v.Args[2], Home(v));
        int m = v.Type.Shape[0], n = v.Type.Shape[1], k = values[v.Args[0]].Type.Shape[1];
        int chunk = LayoutPlan.DotChunk(m, k, n, v.Type.Kind);
        plan.UseShared(v.Type.Kind, LayoutPlan.DotStaging(m, chunk, n));
        int slices = LayoutPlan.DotSlices(m, n, chunk, numThreads, v.Type.Kind);
        if (slices == 1) return;
        plan.DotSplits[v.Id] = new DotSplit(TileLayout.Dot(m, n, numThreads / slices), new DimLayout(slices, numThreads / slices, 1));
        plan.UseShared(v.Type.Kind, slices * m * n);
    }

    private void RequestOperand(int id, TileLayout consumer)
    {
        if (id < 0 || values[id].Type.IsScalar) return;
        Request(id, consumer.Project(values[id].Type.Shape));
    }

    private void Request(int id, TileLayout layout)
    {
        var v = values[id];
        if (v.Type.IsScalar) return;
        switch (v.Op)
        {
            case OpKind.ExpandDims:
                Request(v.Args[0], layout.DropAxis(v.Int));
                return;
            case OpKind.Trans:
                Request(v.Args[0], layout.Swap());
                return;
            case OpKind.PointerView:
                Request(v.Args[0], layout);
                return;
        }
        if (!requests.TryGetValue(id, out var list)) requests[id] = list = new List<TileLayout>();
        if (!list.Contains(layout)) list.Add(layout);
    }

    private static int ElementCount(TileType type) => type.Shape.Aggregate(1, (a, b) => a * b);
}
