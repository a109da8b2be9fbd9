using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Layout;

/// <summary>
/// The layout stage's result: for every tile value, the layouts it must be available in. The first is where it is
/// computed (its home); each further one is a conversion through shared memory (for values read from memory or
/// loop-carried) or a recomputation (for values that are pure functions of indices and scalars).
/// </summary>
internal sealed class LayoutPlan
{
    public Dictionary<int, List<TileLayout>> Layouts { get; } = new();

    public HashSet<int> Materialized { get; } = new();

    /// <summary>Shared memory the layout conversions take, in bytes.</summary>
    public int SharedMemoryBytes { get; set; }

    public IEnumerable<TileLayout> AllLayouts => Layouts.Values.SelectMany(l => l);
}

/// <summary>
/// Assigns layouts backwards from the anchors (Store, loop-carried values): a value takes the one layout all its
/// users want, or the blocked layout of its shape when they disagree; index arithmetic is recomputed wherever it is
/// needed; views (x[.., None], pointer tiles) pass requests through to what they view.
/// </summary>
internal sealed class LayoutPlanner
{
    private readonly int numThreads;
    private readonly Dictionary<int, Value> values = new();
    private readonly Dictionary<int, List<TileLayout>> requests = new();
    private readonly LayoutPlan plan = new();

    private LayoutPlanner(int numThreads) => this.numThreads = numThreads;

    public static LayoutPlan Plan(IReadOnlyList<Statement> body, int numThreads)
    {
        var planner = new LayoutPlanner(numThreads);
        planner.Collect(body);
        planner.Backward(body);
        return planner.plan;
    }

    public static bool IsView(Value value) => value.Op is OpKind.ExpandDims or OpKind.PointerView;

    /// <summary>A Store reads its pointers, value and mask in the blocked layout of the pointers' shape.</summary>
    public static TileLayout StoreLayout(TileType pointers, int numThreads) => TileLayout.Blocked(pointers.Shape, numThreads);

    private TileLayout Blocked(TileType type) => TileLayout.Blocked(type.Shape, numThreads);

    private void Collect(IReadOnlyList<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Value: var v }:
                    values[v.Id] = v;
                    if (!v.Type.IsScalar && Computes(v) && (v.Op is OpKind.Load || v.Args.Any(IsMaterialized)))
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

    private void Backward(IReadOnlyList<Statement> body)
    {
        for (int i = body.Count - 1; i >= 0; i--)
        {
            switch (body[i])
            {
                case StoreTo store:
                {
                    var layout = StoreLayout(values[store.Pointers].Type, numThreads);
                    Request(store.Pointers, layout);
                    RequestOperand(store.Data, layout);
                    RequestOperand(store.Mask, layout);
                    break;
                }
                case Define { Value: var v } when !v.Type.IsScalar && Computes(v):
                    Settle(v);
                    break;
                case Loop loop:
                    foreach (var result in loop.Results) Settle(result);
                    for (int k = 0; k < loop.Yields.Count; k++) Request(loop.Yields[k], Blocked(loop.Args[k].Type));
                    Backward(loop.Body);
                    foreach (var arg in loop.Args) Settle(arg);
                    for (int k = 0; k < loop.Inits.Count; k++) Request(loop.Inits[k], Blocked(loop.Args[k].Type));
                    break;
            }
        }
    }

    /// <summary>Fixes the layouts of a value once all its users have asked, and asks its operands in turn.</summary>
    private void Settle(Value v)
    {
        if (v.Type.IsScalar) return;
        var wanted = requests.TryGetValue(v.Id, out var r) ? r : new List<TileLayout>();
        if (wanted.Count == 0 && v.Op is not (OpKind.LoopArg or OpKind.LoopResult)) return; // nobody reads it: dropped
        List<TileLayout> layouts;
        if (plan.Materialized.Contains(v.Id))
        {
            var home = v.Op is not (OpKind.LoopArg or OpKind.LoopResult) && wanted.Count == 1 ? wanted[0] : Blocked(v.Type);
            layouts = new List<TileLayout> { home };
            layouts.AddRange(wanted.Where(l => !l.Equals(home)));
            plan.SharedMemoryBytes += ElementCount(v.Type) * 4 * (layouts.Count - 1) * (v.Type.Kind == ScalarKind.Double ? 2 : 1);
        }
        else
        {
            layouts = wanted;
        }
        plan.Layouts[v.Id] = layouts;
        if (v.Op is OpKind.LoopArg or OpKind.LoopResult) return;
        foreach (var layout in plan.Materialized.Contains(v.Id) ? layouts.Take(1) : layouts)
            foreach (int operand in v.Args) RequestOperand(operand, layout);
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
        if (v.Op == OpKind.ExpandDims)
        {
            Request(v.Args[0], layout.DropAxis(v.Int));
            return;
        }
        if (v.Op == OpKind.PointerView)
        {
            Request(v.Args[0], layout);
            return;
        }
        if (!requests.TryGetValue(id, out var list)) requests[id] = list = new List<TileLayout>();
        if (!list.Contains(layout)) list.Add(layout);
    }

    private static int ElementCount(TileType type) => type.Shape.Aggregate(1, (a, b) => a * b);
}
