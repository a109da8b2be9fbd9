using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// Copies a tile from global memory into a stage of its pipeline buffer, in <see cref="Layout"/> (each thread its
/// registers' elements, in vectors where the vectorization pass allowed): asynchronously on CUDA (<c>cp.async</c>),
/// as plain loads and shared stores elsewhere and for the vectors that cannot go whole. Stage -1: the loop's write stage.
/// </summary>
internal sealed class DAsyncCopy : DStatement
{
    public DAsyncCopy(AsyncCopy copy, LinearLayout layout, SharedBuffer buffer, SharedMap map, ElementType element)
    {
        Copy = copy;
        Layout = layout;
        Buffer = buffer;
        Map = map;
        Element = element;
    }

    public AsyncCopy Copy { get; }

    public LinearLayout Layout { get; }

    public SharedBuffer Buffer { get; }

    public SharedMap Map { get; }

    public ElementType Element { get; }

    public VectorAccess? Vector { get; set; }

    public override IEnumerable<SharedAccess> Accesses => new[] { new SharedAccess(Buffer, true, Staged: true) };
}

/// <summary>Closes the group of asynchronous copies issued since the last one (<c>cp.async.commit_group</c>).</summary>
internal sealed class DAsyncCommit : DStatement
{
}

/// <summary>Waits until at most <see cref="Pending"/> groups of this thread's copies are still in flight
/// (<c>cp.async.wait_group</c>); a barrier after it makes every thread's copies visible.</summary>
internal sealed class DAsyncWait : DStatement
{
    public DAsyncWait(int pending) => Pending = pending;

    public int Pending { get; }
}

/// <summary>
/// The buffers of the software pipelines (<c>Passes.Pipelining</c>): one per pipelined load, of as many stages as its
/// loop, each stage placed as the Dot reading it would stage the operand itself (<see cref="DotTiling"/>), rounded up
/// to 128 bytes (1024 for a swizzled one) so that every stage starts aligned. A load the Dot reads through a
/// <c>Trans</c> is copied with the operand's map transposed.
/// </summary>
internal sealed class Pipelines
{
    private readonly LayoutPlan plan;
    private readonly int numThreads;
    private readonly Dictionary<int, (DotOp Dot, int Operand, TileType AType, int Stages, bool Transposed)> owners = new();
    private readonly Dictionary<int, (SharedBuffer Buffer, SharedMap Map)> buffers = new();

    public Pipelines(IEnumerable<Statement> body, LayoutPlan plan, int numThreads)
    {
        this.plan = plan;
        this.numThreads = numThreads;
        var values = Passes.Pipelining.Values(body);
        Find(body, 0);

        void Find(IEnumerable<Statement> statements, int stages)
        {
            foreach (var statement in statements)
            {
                if (statement is Loop loop) Find(loop.Body, loop.Stages);
                if (statement is not Define { Op: DotOp dot }) continue;
                foreach (var (operand, id) in new[] { (0, dot.A), (1, dot.B) })
                {
                    bool transposed = values[id] is TransOp;
                    int source = values[id] is TransOp trans ? trans.Source : id;
                    if (values[source] is LoadOp { Pipelined: true }) owners[source] = (dot, operand, values[dot.A].Type, stages, transposed);
                }
            }
        }
    }

    /// <summary>The pipeline buffer of a pipelined load, and the map of its stage 0.</summary>
    public (SharedBuffer Buffer, SharedMap Map) Of(int load)
    {
        if (buffers.TryGetValue(load, out var known)) return known;
        var (dot, operand, aType, stages, transposed) = owners[load];
        var layouts = plan.OperandLayouts[dot.Id];
        var tiling = DotLowering.Tiling(dot, layouts[0], layouts[1], aType, numThreads, plan.Wgmma);
        var placement = operand == 0 ? tiling.A : tiling.B;
        int extent = dot.Type.Shape[operand];
        int align = System.Math.Max(placement.Alignment, 128) / ElementTypes.Of(tiling.Element).Bytes;
        int stage = (placement.Elements(tiling.Chunk, extent) + align - 1) / align * align;
        string name = dot.Name.Length > 0 ? dot.Name : "dot";
        var buffer = new SharedBuffer(tiling.Element, stages * stage,
            $"{name}: {(operand == 0 ? "a" : "b")}, {DotLowering.Placement(tiling, placement, extent)}, {stages} stages") { Stages = stages, Alignment = placement.Alignment };
        var maps = tiling.Maps(0);
        var map = operand == 0 ? maps.A : maps.B;
        buffers[load] = (buffer, transposed ? Transpose(map) : map);
        return buffers[load];
    }

    /// <summary>The pipeline buffer a Dot reads for its operand <paramref name="operand"/> (a pipelined load, or a
    /// <c>Trans</c> of one), or null.</summary>
    public SharedBuffer? Read(int operand, IReadOnlyDictionary<int, Op> values)
    {
        int load = values[operand] is TransOp trans ? trans.Source : operand;
        return owners.ContainsKey(load) ? Of(load).Buffer : null;
    }

    /// <summary>The map of a 2-D tile's transpose: coordinates, window and swizzle rows swapped.</summary>
    private static SharedMap Transpose(SharedMap map)
        => map with
        {
            Strides = Helpers.EquatableArray.Of(map.Strides[1], map.Strides[0]),
            WindowDim = map.HasWindow ? 1 - map.WindowDim : -1,
            Swizzle = map.Swizzle is { } swizzle ? swizzle with { RowDim = 1 - swizzle.RowDim } : null,
        };
}
