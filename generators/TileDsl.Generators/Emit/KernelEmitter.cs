using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Parsing;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Emit: writes one specialization as an explicitly grouped ILGPU kernel. Each tile value becomes scalar locals, one
/// per register of its layout, fully unrolled; scalars stay scalar; layout conversions go through shared memory.
/// </summary>
internal sealed class KernelEmitter
{
    private static readonly Regex Simple = new(@"^[A-Za-z_][A-Za-z0-9_.]*$|^[0-9][0-9.]*[fd]?$", RegexOptions.Compiled);

    private readonly CodeWriter w;
    private readonly KernelModel model;
    private readonly LayoutPlan plan;
    private readonly int numThreads;
    private readonly Dictionary<int, Value> values = new();
    private readonly Dictionary<(int Id, TileLayout Layout), string[]> registers = new();
    private readonly Dictionary<int, string> scalars = new();
    private readonly HashSet<string> names = new();
    private int loopDepth;
    private bool sharedUsed;

    private KernelEmitter(CodeWriter w, KernelModel model, LayoutPlan plan, int numThreads)
    {
        this.w = w;
        this.model = model;
        this.plan = plan;
        this.numThreads = numThreads;
    }

    public static void Emit(CodeWriter w, KernelModel model, Specialization specialization, LayoutPlan plan, string methodName)
    {
        var emitter = new KernelEmitter(w, model, plan, specialization.NumThreads);
        emitter.Collect(specialization.Body);
        foreach (var p in model.Parameters.Where(p => p.Kind != ParameterKind.Constexpr)) emitter.names.Add(p.Name);
        emitter.names.Add("tid");
        emitter.names.Add(KernelModel.ScalarsArgument);
        w.Open($"private static void {methodName}({string.Join(", ", model.KernelParameters().Select(p => p.Type + " " + Identifier(p.Name)))})");
        if (model.PacksScalars)
            foreach (var p in model.Parameters.Where(p => p.Kind == ParameterKind.Scalar))
                w.Line($"{TileType.CsName(p.Element)} {Identifier(p.Name)} = {KernelModel.ScalarsArgument}.{Identifier(p.Name)};");
        w.Line("int tid = Group.IdxX;");
        emitter.ThreadCoordinates();
        foreach (var arena in plan.Arenas.OrderBy(a => a.Key))
        {
            emitter.names.Add(ArenaName(arena.Key));
            w.Line($"var {ArenaName(arena.Key)} = SharedMemory.Allocate<{TileType.CsName(arena.Key)}>({arena.Value});");
        }
        emitter.Statements(specialization.Body);
        w.Close();
    }

    private void Collect(IEnumerable<Statement> body)
    {
        foreach (var statement in body)
        {
            if (statement is Define d) values[d.Value.Id] = d.Value;
            if (statement is not Loop loop) continue;
            values[loop.Index.Id] = loop.Index;
            foreach (var v in loop.Args.Concat(loop.Results)) values[v.Id] = v;
            Collect(loop.Body);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Thread coordinates: (tid / Stride) % Threads, declared once at the top.

    private void ThreadCoordinates()
    {
        var dims = plan.AllLayouts.SelectMany(l => l.Dims).Where(d => d.Threads > 1).Select(d => d with { Registers = 1 }).Distinct()
            .OrderBy(d => d.Stride).ThenBy(d => d.Threads);
        foreach (var d in dims)
        {
            string name = CoordinateName(d);
            if (name == "tid") continue;
            string div = d.Stride == 1 ? "tid" : $"tid / {d.Stride}";
            string expr = d.Stride * d.Threads == numThreads ? div : d.Stride == 1 ? $"tid % {d.Threads}" : $"({div}) % {d.Threads}";
            names.Add(name);
            w.Line($"int {name} = {expr};");
        }
    }

    private string CoordinateName(DimLayout d)
    {
        if (d.Stride == 1 && d.Threads == numThreads) return "tid";
        if (d.Stride == 1) return $"tidMod{d.Threads}";
        return d.Stride * d.Threads == numThreads ? $"tidDiv{d.Stride}" : $"tidDiv{d.Stride}Mod{d.Threads}";
    }

    private string Coordinate(TileLayout layout, int dim, int register)
    {
        var d = layout.Dims[dim];
        if (d.Threads == 1) return register.ToString();
        int offset = register * d.Threads;
        return offset == 0 ? CoordinateName(d) : $"{CoordinateName(d)} + {offset}";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Statements

    private void Statements(IEnumerable<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Value: var v } when v.Type.IsScalar:
                    DefineScalar(v);
                    break;
                case Define { Value: var v } when plan.Layouts.TryGetValue(v.Id, out var layouts):
                    DefineTile(v, layouts);
                    break;
                case StoreTo store:
                    Store(store);
                    break;
                case Loop loop:
                    RuntimeLoop(loop);
                    break;
            }
        }
    }

    private void DefineScalar(Value v)
    {
        switch (v.Op)
        {
            case OpKind.Const:
                scalars[v.Id] = v.Text;
                return;
            case OpKind.Param:
                scalars[v.Id] = Identifier(v.Text);
                return;
            case OpKind.PointerView:
                scalars[v.Id] = Scalar(v.Args[0]);
                return;
            case OpKind.ProgramId:
            case OpKind.NumPrograms:
            {
                string name = Unique(v.Name.Length > 0 ? v.Name : (v.Op == OpKind.ProgramId ? "programId" : "numPrograms") + v.Text);
                w.Line($"int {name} = Grid.{(v.Op == OpKind.ProgramId ? "Idx" : "Dim")}{v.Text};");
                scalars[v.Id] = name;
                return;
            }
        }
        if (v.Op == OpKind.Reduce)
        {
            scalars[v.Id] = Reduce(v, new TileLayout(EquatableArray<DimLayout>.Empty))[0];
            return;
        }
        string expr = v.Op switch
        {
            OpKind.Cast => CastText(values[v.Args[0]].Type.Kind, v.Type.Kind, Scalar(v.Args[0])),
            OpKind.Load => $"{Identifier(values[v.Args[0]].Type.PointerParam!)}[{Scalar(v.Args[0])}]",
            _ => Apply(v.Text, v.Args.Select(Scalar).ToArray()),
        };
        if (v.Name.Length == 0 && v.Op != OpKind.Load) // a load is read once, where it stands
        {
            scalars[v.Id] = expr;
            return;
        }
        string local = Unique(v.Name.Length > 0 ? v.Name : values[v.Args[0]].Type.PointerParam + "Value");
        w.Line($"{v.Type.CsType} {local} = {expr};");
        scalars[v.Id] = local;
    }

    private void DefineTile(Value v, List<TileLayout> layouts)
    {
        if (v.Op == OpKind.Arange) return; // its elements are thread coordinates, written where they are read
        if (plan.Materialized.Contains(v.Id))
        {
            switch (v.Op)
            {
                case OpKind.Reduce:
                    Reduce(v, layouts[0]);
                    break;
                case OpKind.Dot:
                    Dot(v, layouts[0]);
                    break;
                default:
                    Compute(v, layouts[0]);
                    break;
            }
            foreach (var layout in layouts.Skip(1)) Convert(v, layouts[0], layout);
        }
        else
        {
            foreach (var layout in layouts) Compute(v, layout);
        }
    }

    /// <summary>One line per register: the op's scalar rule applied to the operands' registers.</summary>
    private void Compute(Value v, TileLayout layout)
    {
        var regs = Registers(v, layout);
        foreach (var key in layout.Keys())
            w.Line($"{v.Type.CsType} {regs[layout.Flat(key)]} = {Element(v, layout, key)};");
    }

    private string Element(Value v, TileLayout layout, int[] key)
    {
        switch (v.Op)
        {
            case OpKind.Full:
                return Scalar(v.Args[0]);
            case OpKind.Cast:
                return CastText(values[v.Args[0]].Type.Kind, v.Type.Kind, Operand(v.Args[0], layout, key));
            case OpKind.Elementwise:
                return Apply(v.Text, v.Args.Select(a => Operand(a, layout, key)).ToArray());
            case OpKind.Load:
            {
                string param = Identifier(values[v.Args[0]].Type.PointerParam!);
                string load = $"{param}[{Operand(v.Args[0], layout, key)}]";
                return v.Args[1] < 0 ? load : $"{Operand(v.Args[1], layout, key)} ? {load} : {Scalar(v.Args[2])}";
            }
            default:
                throw new System.InvalidOperationException($"No element rule for {v.Op}.");
        }
    }

    private void Store(StoreTo store)
    {
        var pointers = values[store.Pointers];
        var layout = plan.StoreLayouts[store];
        int replicas = layout.ReplicaMask(numThreads);
        bool compact = replicas == ((numThreads - 1) & ~(layout.DistinctThreads - 1));
        if (replicas != 0) w.Open(compact ? $"if (tid < {layout.DistinctThreads})" : $"if ((tid & {replicas}) == 0)");
        string param = Identifier(pointers.Type.PointerParam!);
        foreach (var key in layout.Keys())
        {
            string target = $"{param}[{Operand(store.Pointers, layout, key)}]";
            string data = Operand(store.Data, layout, key);
            string assignment = store.Atomic ? $"Atomic.Add(ref {target}, {data});" : $"{target} = {data};";
            w.Line(store.Mask < 0 ? assignment : $"if ({Operand(store.Mask, layout, key)}) {assignment}");
        }
        if (replicas != 0) w.Close();
    }

    private void RuntimeLoop(Loop loop)
    {
        var carried = new List<(Value Arg, string[] Targets, TileLayout? Layout)>();
        for (int k = 0; k < loop.Args.Count; k++)
        {
            var arg = loop.Args[k];
            if (arg.Type.IsScalar)
            {
                string name = Unique(arg.Name);
                w.Line($"{arg.Type.CsType} {name} = {Scalar(loop.Inits[k])};");
                scalars[arg.Id] = scalars[loop.Results[k].Id] = name;
                carried.Add((arg, new[] { name }, null));
                continue;
            }
            var layout = plan.Layouts[arg.Id][0];
            var regs = Registers(arg, layout);
            registers[(loop.Results[k].Id, layout)] = regs;
            foreach (var key in layout.Keys())
                w.Line($"{arg.Type.CsType} {regs[layout.Flat(key)]} = {Operand(loop.Inits[k], layout, key)};");
            carried.Add((arg, regs, layout));
        }

        string index = Unique(loop.Index.Name);
        scalars[loop.Index.Id] = index;
        string step = Scalar(loop.Step);
        w.Open($"for (int {index} = {Scalar(loop.Start)}; {index} {(loop.Inclusive ? "<=" : "<")} {Scalar(loop.End)}; {(step == "1" ? index + "++" : $"{index} += {step}")})");
        loopDepth++;
        foreach (var arg in loop.Args.Where(a => !a.Type.IsScalar))
            foreach (var layout in plan.Layouts[arg.Id].Skip(1)) Convert(arg, plan.Layouts[arg.Id][0], layout);
        Statements(loop.Body);

        var updates = new List<(string Target, string Source)>();
        for (int k = 0; k < carried.Count; k++)
        {
            var (arg, targets, layout) = carried[k];
            if (layout is null)
                updates.Add((targets[0], Scalar(loop.Yields[k])));
            else
                foreach (var key in layout.Keys()) updates.Add((targets[layout.Flat(key)], Operand(loop.Yields[k], layout, key)));
        }
        Yield(updates);
        loopDepth--;
        w.Close();

        for (int k = 0; k < loop.Results.Count; k++)
        {
            var result = loop.Results[k];
            if (result.Type.IsScalar || !plan.Layouts.TryGetValue(result.Id, out var layouts)) continue;
            foreach (var layout in layouts.Skip(1)) Convert(result, layouts[0], layout);
        }
    }

    /// <summary>Assigns the next iteration's values; through temporaries when one update reads another's target.</summary>
    private void Yield(List<(string Target, string Source)> updates)
    {
        updates.RemoveAll(u => u.Target == u.Source);
        var targets = new HashSet<string>(updates.Select(u => u.Target));
        bool clash = updates.Any(u => Regex.Matches(u.Source, @"[A-Za-z_][A-Za-z0-9_]*").Cast<Match>()
            .Any(m => targets.Contains(m.Value) && m.Value != u.Target));
        if (!clash)
        {
            foreach (var (target, source) in updates) w.Line($"{target} = {source};");
            return;
        }
        foreach (var (target, source) in updates) w.Line($"var {target}Next = {source};");
        foreach (var (target, _) in updates) w.Line($"{target} = {target}Next;");
    }

    /// <summary>Moves a value to another layout through shared memory: write your registers, barrier, read.</summary>
    private void Convert(Value v, TileLayout from, TileLayout to)
    {
        var shape = v.Type.Shape;
        bool boolean = v.Type.Kind == ScalarKind.Bool;
        string arena = ArenaName(LayoutPlan.ArenaKind(v.Type.Kind));
        w.Line($"// {Label(v)}: layout {from} -> {to} through shared memory");
        BeginShared();
        var source = registers[(v.Id, from)];
        foreach (var key in from.Keys())
        {
            string reg = source[from.Flat(key)];
            w.Line($"{arena}[{LinearIndex(shape, from, key)}] = {(boolean ? reg + " ? 1 : 0" : reg)};");
        }
        w.Line("Group.Barrier();");
        var target = Registers(v, to);
        foreach (var key in to.Keys())
        {
            string read = $"{arena}[{LinearIndex(shape, to, key)}]";
            w.Line($"{v.Type.CsType} {target[to.Flat(key)]} = {(boolean ? read + " != 0" : read)};");
        }
    }

    /// <summary>
    /// Shared memory is one arena per element kind, reused by each staging in turn: before writing, wait until every
    /// thread has read what the previous staging left (not needed for the first one outside loops).
    /// </summary>
    private void BeginShared()
    {
        if (sharedUsed || loopDepth > 0) w.Line("Group.Barrier();");
        sharedUsed = true;
    }

    private static string ArenaName(ScalarKind kind) => "shared" + char.ToUpperInvariant(TileType.CsName(kind)[0]) + TileType.CsName(kind).Substring(1);

    // ---------------------------------------------------------------------------------------------------------------
    // Reductions and Dot

    /// <summary>
    /// A reduction along an axis: each thread combines its registers along the axis, then the threads along it
    /// combine by butterfly shuffles within a warp and, when they span warps, through shared memory (one partial per
    /// warp, read back by every thread). Returns the result's registers in <paramref name="home"/>.
    /// </summary>
    private string[] Reduce(Value v, TileLayout home)
    {
        var x = values[v.Args[0]];
        var lx = plan.OperandLayouts[v.Id][0];
        int axis = v.Int;
        var d = lx.Dims[axis];
        bool argmax = v.Text == "Argmax";
        string valueType = x.Type.CsType;
        string combine = v.Text switch { "Sum" => "{0} + {1}", "Max" => "XMath.Max({0}, {1})", _ => "XMath.Min({0}, {1})" };
        string label = v.Name.Length > 0 ? v.Name : Label(x) + v.Text;
        var result = home.Rank == 0 ? new[] { Unique(label) } : Registers(v.Name.Length > 0 ? v : v with { Name = label }, home);
        var keys = home.Keys().ToList();
        var vals = argmax ? keys.Select(_ => Unique(label + "Value")).ToArray() : result;
        w.Line($"// {label} = {v.Text} along axis {axis} of {Label(x)} {x.Type.ShapeText}");

        int[] OperandKey(int[] outKey, int r)
        {
            var key = outKey.ToList();
            if (v.Type.Rank == x.Type.Rank) key[axis] = r;
            else key.Insert(axis, r);
            return key.ToArray();
        }

        for (int o = 0; o < keys.Count; o++)
        {
            string first = Operand(v.Args[0], lx, OperandKey(keys[o], 0));
            w.Line($"{valueType} {vals[o]} = {first};");
            if (argmax) w.Line($"int {result[o]} = {Coordinate(lx, axis, 0)};");
            for (int r = 1; r < d.Registers; r++)
            {
                string next = Operand(v.Args[0], lx, OperandKey(keys[o], r));
                if (argmax) ArgmaxStep(vals[o], result[o], next, Coordinate(lx, axis, r), strict: true);
                else w.Line($"{vals[o]} = {Apply(combine, new[] { vals[o], next })};");
            }
        }

        for (int offset = d.Stride; d.Threads > 1 && offset < System.Math.Min(d.Stride * d.Threads, 32); offset *= 2)
        {
            for (int o = 0; o < keys.Count; o++)
            {
                if (argmax) ArgmaxStep(vals[o], result[o], $"Warp.ShuffleXor({vals[o]}, {offset})", $"Warp.ShuffleXor({result[o]}, {offset})", strict: false);
                else w.Line($"{vals[o]} = {Apply(combine, new[] { vals[o], $"Warp.ShuffleXor({vals[o]}, {offset})" })};");
            }
        }

        int warps = LayoutPlan.ReductionWarps(d);
        if (warps > 1)
        {
            string arena = ArenaName(LayoutPlan.ArenaKind(x.Type.Kind));
            string indexArena = ArenaName(ScalarKind.Int);
            int outputs = v.Type.Shape.Aggregate(1, (a, b) => a * b); // 1 for a scalar result
            string position = d.Stride >= 32 ? CoordinateName(d) : d.Stride * d.Threads == numThreads ? "tid / 32" : $"(tid / 32) % {warps}";
            BeginShared();
            for (int o = 0; o < keys.Count; o++)
            {
                string index = LinearIndex(v.Type.Shape, home, keys[o]);
                string slot = (outputs == 1 ? position : $"({position}) * {outputs}") + (index == "0" ? "" : " + " + index);
                w.Line($"{arena}[{slot}] = {vals[o]};");
                if (argmax) w.Line($"{indexArena}[{slot}] = {result[o]};");
            }
            w.Line("Group.Barrier();");
            for (int o = 0; o < keys.Count; o++)
            {
                string index = LinearIndex(v.Type.Shape, home, keys[o]);
                string Slot(int warp) => warp == 0 ? index : index == "0" ? $"{warp * outputs}" : $"{warp * outputs} + {index}";
                w.Line($"{vals[o]} = {arena}[{Slot(0)}];");
                if (argmax) w.Line($"{result[o]} = {indexArena}[{Slot(0)}];");
                for (int warp = 1; warp < warps; warp++)
                {
                    if (argmax) ArgmaxStep(vals[o], result[o], $"{arena}[{Slot(warp)}]", $"{indexArena}[{Slot(warp)}]", strict: false);
                    else w.Line($"{vals[o]} = {Apply(combine, new[] { vals[o], $"{arena}[{Slot(warp)}]" })};");
                }
            }
        }
        return result;
    }

    /// <summary>Argmax's combine: take the other (value, index) if its value is larger, or equal at a smaller index.</summary>
    private void ArgmaxStep(string value, string index, string otherValue, string otherIndex, bool strict)
    {
        string v2 = Unique(value + "Other");
        string i2 = Unique(index + "Other");
        w.Line($"var {v2} = {otherValue};");
        w.Line($"int {i2} = {otherIndex};");
        string take = strict ? $"{v2} > {value}" : $"{v2} > {value} || ({v2} == {value} && {i2} < {index})";
        w.Line($"if ({take}) {{ {value} = {v2}; {index} = {i2}; }}");
    }

    /// <summary>
    /// Dot: both operands are written to shared memory (a as [M][K], b as [K][N], rows padded to an odd length so
    /// that column walks hit distinct banks); then each thread runs over k, reading the a values of its rows and the
    /// b values of its columns, and multiply-adds them into its block of the result. When both operands together
    /// exceed <see cref="LayoutPlan.DotStagingBytes"/>, k is staged in chunks, one after the other. A split Dot
    /// (<see cref="LayoutPlan.DotSlices"/>) runs each slice of threads over its share of every chunk into partial
    /// registers, then sums the slices' partials through shared memory in slice order (the same bits every run).
    /// </summary>
    private void Dot(Value v, TileLayout home)
    {
        var operands = plan.OperandLayouts[v.Id];
        var a = values[v.Args[0]];
        int m = v.Type.Shape[0], n = v.Type.Shape[1], k = a.Type.Shape[1];
        int chunk = LayoutPlan.DotChunk(m, k, n, v.Type.Kind);
        int lda = LayoutPlan.DotPadded(chunk), ldb = LayoutPlan.DotPadded(n), bBase = m * lda;
        string arena = ArenaName(LayoutPlan.ArenaKind(v.Type.Kind));
        string type = v.Type.CsType;
        var split = plan.DotSplits.TryGetValue(v.Id, out var s) ? s : null;
        int slices = split?.Slice.Threads ?? 1, share = chunk / slices;
        w.Line($"// {Label(v)} = Dot({Label(a)} [{m}, {k}], {Label(values[v.Args[1]])} [{k}, {n}]) through shared memory"
            + (chunk < k ? $", {chunk} of k at a time" : "") + (split == null ? "" : $", k split over {slices} slices of {numThreads / slices} threads"));
        var regs = Registers(v, home);
        foreach (var key in home.Keys())
            w.Line($"{type} {regs[home.Flat(key)]} = {(v.Args[2] < 0 ? "0" : Operand(v.Args[2], home, key))};");
        var part = split?.Part ?? home;
        var partRegs = split == null ? regs : Fresh(Label(v) + "Part", part.RegisterCount);
        if (split != null)
            foreach (var r in partRegs) w.Line($"{type} {r} = 0;");
        // Row r of a thread sits at aAt + r·Tm·lda, column c of b at bAt + c·Tn: constant offsets from two bases; a
        // slice starts its share of k that many columns of a and rows of b further on.
        string slice = split == null ? "" : CoordinateName(split.Slice);
        string aAt = Unique("aAt"), bAt = Unique("bAt");
        w.Line($"int {aAt} = {Scaled(Coordinate(part, 0, 0), lda)}{(split == null ? "" : $" + {Scaled(slice, share)}")};");
        string column0 = Coordinate(part, 1, 0);
        w.Line($"int {bAt} = {bBase}{(column0 == "0" ? "" : " + " + column0)}{(split == null ? "" : $" + {Scaled(slice, share * ldb)}")};");
        for (int start = 0; start < k; start += chunk)
        {
            BeginShared();
            StageDotOperand(v.Args[0], operands[0], kDim: 1, start, chunk, arena, 0, lda);
            StageDotOperand(v.Args[1], operands[1], kDim: 0, start, chunk, arena, bBase, ldb);
            w.Line("Group.Barrier();");
            DotSteps(part, partRegs, share, arena, type, aAt, bAt, lda, ldb);
        }
        if (split == null) return;
        w.Line("Group.Barrier();");
        foreach (var key in part.Keys())
            w.Line($"{arena}[{Scaled(slice, m * n)} + {LinearIndex(v.Type.Shape, part, key)}] = {partRegs[part.Flat(key)]};");
        w.Line("Group.Barrier();");
        foreach (var key in home.Keys())
        {
            string at = LinearIndex(v.Type.Shape, home, key);
            w.Line($"{regs[home.Flat(key)]} += {string.Join(" + ", Enumerable.Range(0, slices).Select(g => $"{arena}[{at}{Plus(g * m * n)}]"))};");
        }
    }

    /// <summary>
    /// Writes the elements of a Dot operand whose k coordinate lies in [start, start + chunk) to shared memory, row
    /// by row (k is dimension <paramref name="kDim"/>: 1 for a, 0 for b). A register whose k coordinates span
    /// several chunks (more threads along k than the chunk is long) is written under a test of its coordinate.
    /// </summary>
    private void StageDotOperand(int operand, TileLayout layout, int kDim, int start, int chunk, string arena, int offset, int ld)
    {
        var kLayout = layout.Dims[kDim];
        foreach (var key in layout.Keys())
        {
            int first = key[kDim] * kLayout.Threads; // the register's k coordinates: first .. first + Threads - 1
            int last = first + kLayout.Threads - 1;
            if (last < start || first >= start + chunk) continue;
            string kCoordinate = Coordinate(layout, kDim, key[kDim]);
            int shift = first - start; // the coordinate within the chunk: thread part + shift
            string local = kLayout.Threads == 1 ? shift.ToString()
                : CoordinateName(kLayout) + (shift > 0 ? $" + {shift}" : shift < 0 ? $" - {-shift}" : "");
            string row = kDim == 0 ? local : Coordinate(layout, 0, key[0]);
            string column = kDim == 1 ? local : Coordinate(layout, 1, key[1]);
            var terms = new[] { offset.ToString(), Scaled(row, ld), column }.Where(t => t != "0").DefaultIfEmpty("0");
            string store = $"{arena}[{string.Join(" + ", terms)}] = {Operand(operand, layout, key)};";
            var tests = new List<string>();
            if (first < start) tests.Add($"{kCoordinate} >= {start}");
            if (last >= start + chunk) tests.Add($"{kCoordinate} < {start + chunk}");
            w.Line(tests.Count == 0 ? store : $"if ({string.Join(" && ", tests)}) {store}");
        }
    }

    /// <summary>The multiply-adds of a Dot over one staged chunk of k, unrolled by <see cref="DotUnroll"/>.</summary>
    private void DotSteps(TileLayout home, string[] regs, int chunk, string arena, string type, string aAt, string bAt, int lda, int ldb)
    {
        int unroll = System.Math.Min(chunk, DotUnroll);
        string kk = Unique("k");
        w.Open($"for (int {kk} = 0; {kk} < {chunk}; {kk} += {unroll})");
        for (int u = 0; u < unroll; u++)
        {
            var rows = Enumerable.Range(0, home.Dims[0].Registers).Select(r =>
            {
                string name = Unique("a" + r);
                w.Line($"{type} {name} = {arena}[{aAt} + {kk}{Plus(r * home.Dims[0].Threads * lda + u)}];");
                return name;
            }).ToArray();
            var columns = Enumerable.Range(0, home.Dims[1].Registers).Select(c =>
            {
                string name = Unique("b" + c);
                w.Line($"{type} {name} = {arena}[{bAt} + {kk} * {ldb}{Plus(c * home.Dims[1].Threads + u * ldb)}];");
                return name;
            }).ToArray();
            foreach (var key in home.Keys())
                w.Line($"{regs[home.Flat(key)]} += {rows[key[0]]} * {columns[key[1]]};");
        }
        w.Close();
    }

    /// <summary>Steps of k per iteration of a Dot's loop: constant offsets from the loop index for the loads.</summary>
    private const int DotUnroll = 8;

    private static string Plus(int offset) => offset == 0 ? "" : " + " + offset;

    private static string Scaled(string coordinate, int factor)
        => int.TryParse(coordinate, out int constant) ? (constant * factor).ToString() : Simple.IsMatch(coordinate) ? $"{coordinate} * {factor}" : $"({coordinate}) * {factor}";

    private string LinearIndex(IReadOnlyList<int> shape, TileLayout layout, int[] key)
    {
        var terms = new List<string>();
        int stride = 1;
        for (int j = shape.Count - 1; j >= 0; j--)
        {
            if (shape[j] > 1)
            {
                string c = Coordinate(layout, j, key[j]);
                terms.Insert(0, stride == 1 ? c : $"({c}) * {stride}");
            }
            stride *= shape[j];
        }
        return terms.Count == 0 ? "0" : string.Join(" + ", terms);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Registers and operands

    private string[] Registers(Value v, TileLayout layout)
    {
        if (registers.TryGetValue((v.Id, layout), out var existing)) return existing;
        string stem = v.Name.Length > 0 ? v.Name
            : v.Op == OpKind.Load ? values[v.Args[0]].Type.PointerParam + "Tile"
            : "t" + v.Id;
        var regs = Fresh(stem, layout.RegisterCount);
        registers[(v.Id, layout)] = regs;
        return regs;
    }

    /// <summary><paramref name="count"/> register names <c>stem_0</c> … that nothing else uses (a number after the stem where needed).</summary>
    private string[] Fresh(string stem, int count)
    {
        string baseName = stem;
        for (int n = 2; names.Contains(baseName) || Enumerable.Range(0, count).Any(i => names.Contains($"{baseName}_{i}")) || IsKeyword(baseName); n++)
            baseName = stem + n;
        names.Add(baseName);
        var regs = Enumerable.Range(0, count).Select(i => $"{baseName}_{i}").ToArray();
        foreach (var r in regs) names.Add(r);
        return regs;
    }

    /// <summary>The register of operand <paramref name="id"/> that the element at <paramref name="key"/> of a
    /// value in <paramref name="layout"/> reads (broadcasting and views resolved).</summary>
    private string Operand(int id, TileLayout layout, int[] key)
    {
        var v = values[id];
        if (v.Type.IsScalar) return Scalar(id);
        var own = layout.Project(v.Type.Shape);
        return v.Op switch
        {
            OpKind.ExpandDims => Operand(v.Args[0], own.DropAxis(v.Int), key.Where((_, j) => j != v.Int).ToArray()),
            OpKind.PointerView => Operand(v.Args[0], own, key),
            OpKind.Trans => Operand(v.Args[0], own.Swap(), new[] { key[1], key[0] }),
            OpKind.Arange => v.Int == 0 ? Coordinate(own, 0, key[0]) : $"{v.Int} + {Coordinate(own, 0, key[0])}",
            _ => registers.TryGetValue((id, own), out var regs)
                ? regs[own.Flat(key)]
                : throw new System.InvalidOperationException($"{Label(v)} has no registers in layout {own}."),
        };
    }

    private string Scalar(int id) => scalars.TryGetValue(id, out var text) ? text : throw new System.InvalidOperationException($"Scalar {id} is not defined.");

    private static string Label(Value v) => v.Name.Length > 0 ? v.Name : $"t{v.Id}";

    private string Unique(string stem)
    {
        string name = IsKeyword(stem) ? stem + "2" : stem;
        for (int n = 2; names.Contains(name); n++) name = stem + n;
        names.Add(name);
        return name;
    }

    private static bool IsKeyword(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;

    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Substitutes operands into a lowering template, adding parentheses where precedence could change.</summary>
    public static string Apply(string template, string[] operands)
    {
        var result = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 2 < template.Length && template[i + 2] == '}' && char.IsDigit(template[i + 1]))
            {
                string operand = operands[template[i + 1] - '0'];
                char before = i > 0 ? template[i - 1] : '\0';
                char after = i + 3 < template.Length ? template[i + 3] : '\0';
                bool slot = (before == '(' || (before == ' ' && i > 1 && template[i - 2] == ',')) && (after == ')' || after == ',');
                bool bare = slot || Simple.IsMatch(operand) || (before == '\0' && after == '\0');
                result.Append(bare ? operand : "(" + operand + ")");
                i += 2;
            }
            else
            {
                result.Append(template[i]);
            }
        }
        return result.ToString();
    }

    private static string CastText(ScalarKind from, ScalarKind to, string operand)
    {
        string wrapped = Simple.IsMatch(operand) ? operand : "(" + operand + ")";
        if (to == ScalarKind.Bool) return $"{wrapped} != 0";
        if (from == ScalarKind.Bool) return to == ScalarKind.Int ? $"({operand} ? 1 : 0)" : $"({TileType.CsName(to)})({operand} ? 1 : 0)";
        return $"({TileType.CsName(to)}){wrapped}";
    }
}
