using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// A kernel specialization in the distributed IR: its statements (every tile value in a layout, every shared-memory
/// step explicit) and the tile-IR values they refer to.
/// </summary>
internal sealed class DistributedProgram
{
    public DistributedProgram(List<DStatement> body, IReadOnlyDictionary<int, Op> values, int numThreads)
    {
        Body = body;
        Values = values;
        NumThreads = numThreads;
    }

    public List<DStatement> Body { get; set; }

    public IReadOnlyDictionary<int, Op> Values { get; }

    public int NumThreads { get; }

    /// <summary>Every statement, loop bodies included, in program order.</summary>
    public IEnumerable<DStatement> All => Flatten(Body);

    public IEnumerable<SharedBuffer> Buffers => All.SelectMany(s => s.Accesses).Select(a => a.Buffer).Distinct();

    /// <summary>The vectorized global accesses: loads, stores and asynchronous copies.</summary>
    public IEnumerable<VectorAccess> VectorAccesses => All.Select(s => s switch
    {
        DDefine d => d.Vector,
        DStore d => d.Vector,
        DAsyncCopy d => d.Vector,
        _ => null,
    }).Where(v => v is not null).Select(v => v!);

    /// <summary>The values a statement reads (through views, and inside loops).</summary>
    public HashSet<int> Reads(DStatement statement)
    {
        var ids = new HashSet<int>();
        void Add(int id)
        {
            if (!ids.Add(id)) return;
            if (Values.TryGetValue(id, out var op) && op is ExpandDimsOp or TransOp or PointerOp or BroadcastOp)
                foreach (int source in op.Operands) Add(source);
        }
        foreach (var s in Flatten(new[] { statement }))
        {
            var read = s switch
            {
                DDefine d => d.Op.Operands,
                DStore d => d.Store.Operands,
                DLocalStore d => new[] { d.Value },
                DDotInit d => d.Op.Acc is { } acc ? new[] { acc } : new int[0],
                DAsyncCopy d => d.Copy.Operands,
                DReduce d => d.Op.Operands,
                DLoop d => d.Loop.Operands,
                _ => Enumerable.Empty<int>(),
            };
            foreach (int id in read) Add(id);
        }
        return ids;
    }

    public static IEnumerable<DStatement> Flatten(IEnumerable<DStatement> body)
        => body.SelectMany(s => s is DLoop loop ? new[] { s }.Concat(Flatten(loop.Body)) : new[] { s });
}

/// <summary>
/// From the tile IR and its layouts to the distributed IR: each value is computed in its home layout and converted
/// (through a shared buffer: local store, local load) or recomputed into the others; Dots and reductions become their
/// explicit steps. Barriers and buffer offsets are left to the passes.
/// </summary>
internal sealed class DistributedLowering
{
    private readonly LayoutPlan plan;
    private readonly int numThreads;
    private readonly Dictionary<int, Op> values = new();
    private readonly Pipelines pipelines;

    /// <summary>The tuple ops already lowered, by their first result.</summary>
    private readonly HashSet<int> loweredTuples = new();

    private DistributedLowering(Specialization specialization, LayoutPlan plan)
    {
        this.plan = plan;
        numThreads = specialization.NumThreads;
        pipelines = new Pipelines(specialization.Body, plan, numThreads);
    }

    public static DistributedProgram Lower(Specialization specialization, LayoutPlan plan)
    {
        var lowering = new DistributedLowering(specialization, plan);
        var body = lowering.Statements(specialization.Body);
        return new DistributedProgram(body, lowering.values, specialization.NumThreads);
    }

    private List<DStatement> Statements(IEnumerable<Statement> body)
    {
        var output = new List<DStatement>();
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Op: var op }:
                    values[op.Id] = op;
                    foreach (var step in Combiner.Of(op)?.Values ?? Enumerable.Empty<Op>()) values[step.Id] = step;
                    Define(output, op);
                    break;
                case StoreStatement store:
                    Store(output, store);
                    break;
                case AsyncCopy copy:
                {
                    var (buffer, map) = pipelines.Of(copy.Load);
                    output.Add(new DAsyncCopy(copy, plan.CopyLayouts[copy], buffer, map, buffer.Element));
                    if (copy.Commit) output.Add(new DAsyncCommit());
                    break;
                }
                case Loop loop:
                    output.Add(Loop(loop));
                    // A pipeline's last copies (past the loop's end: zeros) may still be landing.
                    if (loop.Stages > 0) output.Add(new DAsyncWait(0));
                    foreach (var result in loop.Results) Convert(output, result);
                    break;
            }
        }
        return output;
    }

    private void Define(List<DStatement> output, Op op)
    {
        // The results of a tuple Reduce or AssociativeScan are computed together, at the first of them that is read.
        if (TupleGroup.Of(op) is { } tuple && (op.Type.IsScalar || plan.Layouts.ContainsKey(op.Id)) && !loweredTuples.Add(tuple.Results[0]))
        {
            if (!op.Type.IsScalar) Convert(output, op);
            return;
        }
        if (op is ReduceOp { Type.IsScalar: true } scalarReduce)
        {
            var operand = plan.OperandLayouts[op.Id][0];
            ReduceLowering.Lower(output, scalarReduce, operand.Slice(scalarReduce.Axis).Layout, operand, SourceElements(op));
            return;
        }
        if (op.Type.IsScalar)
        {
            output.Add(new DDefine(op, null));
            return;
        }
        if (!plan.Layouts.TryGetValue(op.Id, out var layouts)) return; // a view, or nobody reads it
        if (op is LoadOp { Pipelined: true }) return; // its tile arrives in its pipeline's buffer
        if (!plan.Materialized.Contains(op.Id))
        {
            foreach (var layout in layouts) output.Add(new DDefine(op, layout));
            return;
        }
        var home = layouts[0];
        switch (op)
        {
            case DotOp dot:
                var operands = plan.OperandLayouts[op.Id];
                DotLowering.Lower(output, dot, home, operands[0], operands[1], values[dot.A].Type, numThreads, plan.Wgmma,
                    pipelines.StageOf(dot.A, values), pipelines.StageOf(dot.B, values));
                break;
            case ReduceOp reduce:
                ReduceLowering.Lower(output, reduce, home, plan.OperandLayouts[op.Id][0], SourceElements(op));
                break;
            case ReshapeOp reshape:
            {
                // Row-major order is what a reshape keeps: the source goes to shared memory by its own shape and comes
                // back by the new one.
                var source = values[reshape.Source].Type;
                var buffer = new SharedBuffer(ElementTypes.Of(op.Type.Element).StagedAs, op.Type.Count,
                    $"{NameOf(op)}: reshape {source.ShapeText} -> {op.Type.ShapeText}");
                output.Add(new DLocalStore(buffer, reshape.Source, plan.OperandLayouts[op.Id][0], SharedMap.RowMajor(source.Shape)));
                output.Add(new DLocalLoad(buffer, reshape, home, SharedMap.RowMajor(op.Type.Shape)));
                break;
            }
            case ScanOp scan:
            {
                // The operand goes to shared memory row-major; each register then accumulates its row (or column) up to
                // its own element, in order: the interpreter's sums (or combinations), bit for bit.
                // A tuple scan stores each of its tiles and reads them all along the line.
                var map = SharedMap.RowMajor(op.Type.Shape);
                var buffers = scan.Operands.Select((source, j) => new SharedBuffer(ElementTypes.Of(values[source].Type.Element).StagedAs, op.Type.Count,
                    $"{NameOf(op)}: {scan.Kind} along axis {scan.Axis}{(scan.Reverse ? ", reversed" : "")}{(j > 0 ? $", value {j}" : "")}")).ToList();
                foreach (var (source, j) in scan.Operands.Select((s, j) => (s, j))) output.Add(new DLocalStore(buffers[j], source, home, map));
                output.Add(new DLocalLoad(buffers[0], scan, home, map) { ScanBuffers = buffers });
                break;
            }
            default:
                output.Add(new DDefine(op, home));
                break;
        }
        Convert(output, op);
    }

    /// <summary>The element types of a reduction's operands (a tuple Reduce has several).</summary>
    private List<ElementType> SourceElements(Op op) => op.Operands.Select(s => values[s].Type.Element).ToList();

    /// <summary>
    /// A Store or an atomic. An atomic whose old values are read defines them: in its registers, or, when its layout
    /// replicates elements (only one copy runs the atomic; a scalar atomic runs in one thread), through a buffer that
    /// the running copy writes and every thread reads back.
    /// </summary>
    private void Store(List<DStatement> output, StoreStatement store)
    {
        var layout = plan.StoreLayouts[store];
        if (store.Result is not { } old || !(old.Type.IsScalar || plan.Layouts.ContainsKey(old.Id)))
        {
            output.Add(new DStore(store, layout));
            return;
        }
        values[old.Id] = old;
        if (!layout.Replicates(numThreads))
        {
            output.Add(new DStore(store, layout) { Result = old });
        }
        else
        {
            var buffer = new SharedBuffer(ElementTypes.Of(old.Type.Element).StagedAs, old.Type.Count, $"{NameOf(old)}: old values of {store.AtomicOp}, for every thread");
            var map = SharedMap.RowMajor(old.Type.Shape);
            output.Add(new DStore(store, layout) { Result = old, Broadcast = (buffer, map) });
            output.Add(new DLocalLoad(buffer, old, layout, map));
        }
        Convert(output, old);
    }

    /// <summary>How the generated comments name a value's buffers: its local's name, else t{id}.</summary>
    private static string NameOf(Op op) => op.Name.Length > 0 ? op.Name : "t" + op.Id;

    /// <summary>A materialized value's further layouts: each through a shared buffer, row-major.</summary>
    private void Convert(List<DStatement> output, Op op)
    {
        values[op.Id] = op;
        if (!plan.Layouts.TryGetValue(op.Id, out var layouts)) return;
        var map = SharedMap.RowMajor(op.Type.Shape);
        foreach (var target in layouts.Skip(1))
        {
            var buffer = new SharedBuffer(ElementTypes.Of(op.Type.Element).StagedAs, op.Type.Count,
                $"{NameOf(op)}: layout {layouts[0]} -> {target}");
            output.Add(new DLocalStore(buffer, op.Id, layouts[0], map));
            output.Add(new DLocalLoad(buffer, op, target, map));
        }
    }

    private DLoop Loop(Loop loop)
    {
        foreach (var v in loop.Values) values[v.Id] = v;
        var top = new List<DStatement>();
        foreach (var arg in loop.Args.Where(a => !a.Type.IsScalar)) Convert(top, arg);
        var body = top.Concat(Statements(loop.Body)).ToList();
        // A pipelined loop first waits for its own stage's copies (those of later iterations may stay in flight);
        // the barrier makes every thread's copies visible and ends the reads of the stage about to be rewritten.
        if (loop.Stages > 0) body.InsertRange(0, new DStatement[] { new DAsyncWait(loop.Stages - 2), new DBarrier() });
        var carried = loop.Args.Select(a => a.Type.IsScalar ? null : plan.Layouts[a.Id][0]).ToList();
        return new DLoop(loop, body, carried);
    }
}
