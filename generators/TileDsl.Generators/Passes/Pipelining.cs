using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Software pipelining of runtime loops (Triton's <c>num_stages</c>), on the tile IR before layouts. In a loop whose
/// Dot reads a tile loaded in the same iteration, the load becomes a pipeline of
/// <c>stages</c> shared buffers: before the loop, the tiles of the first <c>stages − 1</c> iterations are copied
/// asynchronously (<see cref="AsyncCopy"/>, one commit group per iteration); in iteration i the loop waits for its own
/// group, copies the tiles of iteration i + stages − 1 into the stage that iteration i − 1 read, and its Dot reads the
/// stage of iteration i. The copies' addresses and masks are the load's, computed for the later iteration (the ops of
/// the load's address slice that depend on the loop index are cloned with the index moved ahead), masked off past the
/// loop's end as Triton does.
/// <para>
/// A load qualifies when the Dot is its only reader (directly or through a <c>Trans</c> that only the Dot reads), its <c>other</c> is +0 (a skipped copy leaves zeros), its address
/// and mask are index arithmetic of the loop index and of values that do not change in the loop (no carried values, no
/// loaded ones), the loop's step is a positive constant, the Dot stages its operands whole (one chunk of k, not split
/// over slices of threads), and the tile is of the type the Dot stages (16-bit on tensor cores, float on FMA units).
/// </para>
/// </summary>
internal static class Pipelining
{
    /// <summary>The specialization with its loops pipelined; <paramref name="plan"/> is the layout plan of its body as
    /// written (where the Dots' tilings are decided).</summary>
    public static Specialization Run(Specialization specialization, int stages, LayoutPlan plan)
    {
        if (stages < 2) return specialization;
        var values = Values(specialization.Body);
        int next = values.Count == 0 ? 1 : values.Keys.Max() + 1;
        var body = Rewrite(specialization.Body, stages, specialization.NumThreads, values, plan, ref next);
        return specialization with { Body = body.ToEquatableArray() };
    }

    private static List<Statement> Rewrite(IEnumerable<Statement> body, int stages, int numThreads, Dictionary<int, Op> values, LayoutPlan plan, ref int next)
    {
        var output = new List<Statement>();
        foreach (var statement in body)
        {
            if (statement is not Loop loop)
            {
                output.Add(statement);
                continue;
            }
            var inner = Rewrite(loop.Body, stages, numThreads, values, plan, ref next);
            loop = loop with { Body = inner.ToEquatableArray() };
            var loads = Candidates(loop, numThreads, values, plan, out var asyncDots);
            if (loads.Count == 0 || values[loop.Step] is not ConstOp { Value: int step } || step <= 0)
            {
                output.Add(loop);
                continue;
            }
            var builder = new Builder(values, next);
            // Before the loop: the tiles of iterations 0 .. stages - 2, each iteration one commit group.
            string index = loop.Index.Name.Length > 0 ? loop.Index.Name : "index";
            for (int s = 0; s < stages - 1; s++)
            {
                int at = s == 0 ? loop.Start
                    : values[loop.Start] is ConstOp { Value: int start } ? builder.Int(start + s * step)
                    : builder.Add(loop.Start, builder.Int(s * step), $"{index}Stage{s}");
                builder.Copies(output, loop, loads, at, s, $"{index}Stage{s}");
            }
            // In the loop, after its loads: the tiles of iteration i + stages - 1. After the Dots instead where they run
            // asynchronously (wgmma): the copies then overlap them (they write the stage the iteration before read,
            // which its Dot finished with before the barrier the lowering puts ahead of them).
            var loopBody = new List<Statement>();
            var pipelined = new HashSet<int>(loads.Select(l => l.Id));
            int last = loop.Body.Select((s, i) => (s, i)).Last(t => t.s is Define { Op: LoadOp l } && pipelined.Contains(l.Id)
                || t.s is Define { Op: DotOp d } && asyncDots.Contains(d.Id)).i;
            for (int i = 0; i < loop.Body.Count; i++)
            {
                var s = loop.Body[i];
                loopBody.Add(s is Define { Op: LoadOp load } && pipelined.Contains(load.Id) ? new Define(load with { Pipelined = true }) : s);
                if (i != last) continue;
                int ahead = builder.Add(loop.Index.Id, builder.Int((stages - 1) * step), index + "Ahead");
                builder.Copies(loopBody, loop, loads, ahead, -1, index + "Ahead");
            }
            next = builder.Next;
            output.Add(loop with { Body = loopBody.ToEquatableArray(), Stages = stages });
        }
        return output;
    }

    /// <summary>The loads of the loop's body that its tensor-core Dots read and that can be pipelined; in
    /// <paramref name="asyncDots"/>, the Dots among those readers that run on wgmma with both operands pipelined.</summary>
    private static List<LoadOp> Candidates(Loop loop, int numThreads, Dictionary<int, Op> values, LayoutPlan plan, out HashSet<int> asyncDots)
    {
        asyncDots = new HashSet<int>();
        var reads = new Dictionary<int, int>();
        foreach (int id in Reads(loop.Body).Concat(loop.Yields)) reads[id] = reads.TryGetValue(id, out int n) ? n + 1 : 1;
        var inBody = loop.Body.OfType<Define>().ToDictionary(d => d.Op.Id, d => d.Op);
        var result = new List<LoadOp>();
        foreach (var dot in loop.Body.OfType<Define>().Select(d => d.Op).OfType<DotOp>())
        {
            // A stage holds one iteration's operand: the Dot must stage all of k at once, on all threads. On tensor
            // cores the operands are staged as their 16-bit bits; on FMA units as the result's type, which a copy
            // cannot convert to: there only float tiles are pipelined.
            if (!plan.OperandLayouts.TryGetValue(dot.Id, out var layouts)) continue;
            var aType = values[dot.A].Type;
            var tiling = Distributed.DotLowering.Tiling(dot, layouts[0], layouts[1], aType, numThreads, plan.Wgmma);
            var staged = tiling.Mma?.Input ?? tiling.Element;
            if (tiling.Chunk != aType.Shape[1] || tiling.Slices != 1 || tiling.Mma is null && staged != ElementType.Float) continue;
            foreach (int operand in new[] { dot.A, dot.B })
            {
                if (Operand(operand, inBody, reads) is { } load && load.Type.Element == staged
                    && values[load.Other] is ConstOp { Value: var other }
                    && System.BitConverter.DoubleToInt64Bits(System.Convert.ToDouble(other, System.Globalization.CultureInfo.InvariantCulture)) == 0
                    && Slice(load, inBody, loop) is not null && !result.Contains(load))
                    result.Add(load);
            }
            if (tiling.Mma is { Wgmma: true } && Operand(dot.A, inBody, reads) is { } a && result.Contains(a)
                && Operand(dot.B, inBody, reads) is { } b && result.Contains(b))
                asyncDots.Add(dot.Id);
        }
        return result;
    }

    /// <summary>The load of the body that a Dot operand is, directly or through a <c>Trans</c> (a K-major b loaded
    /// [n, k]: its stages are placed transposed), where the Dot is its only reader; else null.</summary>
    private static LoadOp? Operand(int operand, Dictionary<int, Op> inBody, Dictionary<int, int> reads)
    {
        if (inBody.TryGetValue(operand, out var op) && op is TransOp trans && reads[trans.Id] == 1) inBody.TryGetValue(trans.Source, out op);
        return op is LoadOp load && reads[load.Id] == 1 ? load : null;
    }

    /// <summary>The body's ops that the load's address and mask depend on through the loop index, in body order; null
    /// when they depend on anything else that changes in the loop (carried values, loads, reductions).</summary>
    private static List<Op>? Slice(LoadOp load, Dictionary<int, Op> inBody, Loop loop)
    {
        var needed = new HashSet<int>();
        var carried = new HashSet<int>(loop.Args.Select(a => a.Id));
        bool ok = true;
        void Visit(int id)
        {
            if (!ok || id == loop.Index.Id || !needed.Add(id)) return;
            if (carried.Contains(id))
            {
                ok = false;
                return;
            }
            if (!inBody.TryGetValue(id, out var op))
            {
                needed.Remove(id); // defined before the loop: the same in every iteration
                return;
            }
            if (op is not (ConstOp or ElementwiseOp or CastOp or ExpandDimsOp or BroadcastOp or ArangeOp or FullOp or PointerOp or TransOp))
            {
                ok = false;
                return;
            }
            foreach (int o in op.Operands) Visit(o);
        }
        Visit(load.Pointers);
        if (load.Mask is { } mask) Visit(mask);
        return ok ? inBody.Values.Where(o => needed.Contains(o.Id)).OrderBy(o => o.Id).ToList() : null;
    }

    /// <summary>Creates the new ops: index arithmetic, the cloned address slices, the copies.</summary>
    private sealed class Builder
    {
        private readonly Dictionary<int, Op> values;

        public Builder(Dictionary<int, Op> values, int next)
        {
            this.values = values;
            Next = next;
        }

        public int Next { get; private set; }

        private readonly List<Statement> pending = new();

        private int Define(System.Func<int, Op> make)
        {
            var op = make(Next++);
            values[op.Id] = op;
            pending.Add(new Define(op));
            return op.Id;
        }

        private static readonly TileType IntScalar = TileType.Scalar(ElementType.Int);

        public int Int(int value) => Define(id => new ConstOp(id, IntScalar, value));

        public int Add(int a, int b, string name) => Define(id => new ElementwiseOp(id, IntScalar, TileOpKind.Add, EquatableArray.Of(a, b)) { Name = name });

        /// <summary>The copies of <paramref name="loads"/> for the iteration whose index is <paramref name="at"/>, into
        /// <paramref name="stage"/> (-1: the stage the loop writes), ending its commit group; appended to <paramref name="output"/>.
        /// <paramref name="name"/> names the iteration (its range test is <c>{name}InRange</c>).</summary>
        public void Copies(List<Statement> output, Loop loop, List<LoadOp> loads, int at, int stage, string name)
        {
            var inBody = loop.Body.OfType<Define>().ToDictionary(d => d.Op.Id, d => d.Op);
            var bool1 = TileType.Scalar(ElementType.Bool);
            int inRange = Define(id => new ElementwiseOp(id, bool1, loop.Inclusive ? TileOpKind.Le : TileOpKind.Lt, EquatableArray.Of(at, loop.End))
            {
                Name = name + "InRange",
            });
            var copies = new List<AsyncCopy>();
            foreach (var load in loads)
            {
                var map = new Dictionary<int, int> { [loop.Index.Id] = at };
                foreach (var op in Slice(load, inBody, loop)!)
                {
                    var args = op.Operands.Select(o => map.TryGetValue(o, out int m) ? m : o).ToList();
                    map[op.Id] = Define(id => Clone(op, id, args));
                }
                int Mapped(int id) => map.TryGetValue(id, out int m) ? m : id;
                var maskType = values[load.Pointers].Type with { Element = ElementType.Bool, PointerParam = null };
                int mask = load.Mask is { } m
                    ? Define(id => new ElementwiseOp(id, maskType, TileOpKind.And, EquatableArray.Of(Mapped(m), inRange)))
                    : Define(id => new FullOp(id, maskType, inRange));
                copies.Add(new AsyncCopy(load.Id, Mapped(load.Pointers), mask, stage, false));
            }
            output.AddRange(pending);
            pending.Clear();
            for (int i = 0; i < copies.Count; i++) output.Add(copies[i] with { Commit = i == copies.Count - 1 });
        }

        /// <summary>The op with its operands replaced, in their order (<see cref="Op.Operands"/>), under a new id.</summary>
        private static Op Clone(Op op, int id, List<int> args) => op switch
        {
            ConstOp c => c with { Id = id, Name = "" },
            ArangeOp a => a with { Id = id, Name = "" },
            ElementwiseOp e => e with { Id = id, Args = args.ToEquatableArray(), Name = Ahead(e.Name) },
            CastOp c => c with { Id = id, Source = args[0], Name = Ahead(c.Name) },
            ExpandDimsOp e => e with { Id = id, Source = args[0], Name = "" },
            BroadcastOp b => b with { Id = id, Source = args[0], Name = "" },
            TransOp t => t with { Id = id, Source = args[0], Name = "" },
            FullOp f => f with { Id = id, Fill = args[0], Name = "" },
            PointerOp p => p with { Id = id, Offsets = args[0], Name = "" },
            _ => throw new System.InvalidOperationException($"Pipelining cannot clone {op.GetType().Name}."),
        };

        private static string Ahead(string name) => name.Length > 0 ? name + "Ahead" : "";
    }

    private static IEnumerable<int> Reads(IEnumerable<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define d:
                    foreach (int id in d.Op.Operands) yield return id;
                    break;
                case StoreStatement s:
                    foreach (int id in s.Operands) yield return id;
                    break;
                case AsyncCopy c:
                    foreach (int id in c.Operands) yield return id;
                    break;
                case Loop l:
                    foreach (int id in l.Inits.Concat(new[] { l.Start, l.End, l.Step }).Concat(Reads(l.Body)).Concat(l.Yields)) yield return id;
                    break;
            }
        }
    }

    /// <summary>Every value a body defines, loops and combiners included, by id.</summary>
    public static Dictionary<int, Op> Values(IEnumerable<Statement> body)
    {
        var values = new Dictionary<int, Op>();
        Collect(body);
        return values;

        void Collect(IEnumerable<Statement> statements)
        {
            foreach (var statement in statements)
            {
                switch (statement)
                {
                    case Define d:
                        values[d.Op.Id] = d.Op;
                        foreach (var step in Combiner.Of(d.Op)?.Values ?? Enumerable.Empty<Op>()) values[step.Id] = step;
                        break;
                    case StoreStatement { Result: { } old }:
                        values[old.Id] = old;
                        break;
                    case Loop l:
                        values[l.Index.Id] = l.Index;
                        foreach (var v in l.Args.Concat(l.Results)) values[v.Id] = v;
                        Collect(l.Body);
                        break;
                }
            }
        }
    }
}
