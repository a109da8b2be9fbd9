using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Reductions along an axis: each thread combines its registers along the axis (in order), then butterfly
/// <c>Warp.ShuffleXor</c> steps over the lane bits along it, which leave the result in every lane; if warps lie along
/// it too, each warp writes its partial to shared memory and every thread combines the partials in warp order.
/// Argmax and Argmin carry (value, index) pairs and keep the smaller index on ties. Reduce writes out its combiner at
/// each step, as <c>acc = combine(acc, other)</c>.
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>Per reduction, the values it carries through its steps (per value carried, per output register: the
    /// value, Argmax's index after it, each tile of a tuple Reduce) and its result registers.</summary>
    private readonly System.Collections.Generic.Dictionary<ReduceOp, (string[][] Carried, string[] Result)> reductions = new();

    private void Reduce(DReduce d)
    {
        var v = d.Op;
        var operand = d.Operand;
        bool arg = v.Kind is TileOpKind.Argmax or TileOpKind.Argmin;
        var sources = v.Operands.Select(s => program.Values[s]).ToList();
        // A tuple Reduce computes all its results together: one per source.
        var results = TupleGroup.Defined(v).Select(id => program.Values[id]).ToList();
        var (sliced, kept) = v.KeepDims ? operand.Project(v.Type.Shape) : operand.Slice(v.Axis);
        var registersOf = results.Select((r, j) => ResultRegisters(r, d.Home, r.Name.Length > 0 ? r.Name : Label(sources[j]) + v.Kind)).ToList();
        string label = string.Join(", ", results.Select((r, j) => r.Name.Length > 0 ? r.Name : Label(sources[j]) + v.Kind));
        var carried = arg ? new[] { registersOf[0].Select(_ => names.Unique(label + "Value")).ToArray(), registersOf[0] } : registersOf.ToArray();
        reductions[v] = (carried, registersOf[0]);
        string operands = sources.Count == 1 ? Label(sources[0]) : $"({string.Join(", ", sources.Select(Label))})";
        w.Line($"// {label} = {OpText(v.Kind, v.Combine)} along axis {v.Axis} of {operands} {sources[0].Type.ShapeText}");

        string[] At(string[][] values, int o) => values.Select(c => c[o]).ToArray();
        for (int o = 0; o < sliced.RegisterCount; o++)
        {
            var members = Enumerable.Range(0, operand.RegisterCount).Where(r => LinearLayout.Pack(r, kept) == o)
                .OrderBy(r => operand.RegisterCoordinates(r)[v.Axis]).ToList();
            for (int j = 0; j < sources.Count; j++) w.Line($"{CsType(sources[j])} {carried[j][o]} = {Operand(sources[j].Id, operand, members[0])};");
            if (arg) w.Line($"int {carried[1][o]} = {Coordinate(operand, v.Axis, members[0])};");
            foreach (int r in members.Skip(1))
            {
                if (arg) ArgStep(v.Kind, carried[0][o], carried[1][o], Operand(v.Source, operand, r), Coordinate(operand, v.Axis, r), strict: true);
                else CombineInto(v.Kind, v.Combine, At(carried, o), sources.Select(s => Operand(s.Id, operand, r)).ToArray());
            }
        }

        var laneBits = operand.Lanes.Select((b, bit) => (b, bit)).Where(t => t.b[v.Axis] != 0).Select(t => t.bit);
        foreach (int bit in laneBits)
        {
            for (int o = 0; o < carried[0].Length; o++)
            {
                var others = At(carried, o).Select(c => target.ShuffleXor(c, 1 << bit)).ToArray();
                if (arg) ArgStep(v.Kind, carried[0][o], carried[1][o], others[0], others[1], strict: false);
                else CombineInto(v.Kind, v.Combine, At(carried, o), others);
            }
        }
    }

    /// <summary>The registers a reduction's result <paramref name="r"/> takes in <paramref name="home"/> (a scalar: one local).</summary>
    private string[] ResultRegisters(Op r, LinearLayout home, string label)
    {
        if (home.Rank != 0) return Registers(r, home, label);
        var result = new[] { names.Unique(label) };
        registers[(r.Id, home)] = result;
        scalars[r.Id] = result[0];
        return result;
    }

    private void ReducePartials(DReducePartials partials)
    {
        var d = partials.Reduce;
        var v = d.Op;
        var (carried, _) = reductions[v];
        string slot = WarpSlot(d);
        for (int o = 0; o < carried[0].Length; o++)
            for (int j = 0; j < carried.Length; j++)
            {
                string at = Sum(new[] { Scaled(slot, v.Type.Count), OutputIndex(d.Home, o), d.Scratches[j].Offset.ToString() });
                w.Line($"{Arena(d.Scratches[j].Element)}[{at}] = {carried[j][o]};");
            }
    }

    private void ReduceCombine(DReduceCombine combine)
    {
        var d = combine.Reduce;
        var v = d.Op;
        var (carried, _) = reductions[v];
        bool arg = v.Kind is TileOpKind.Argmax or TileOpKind.Argmin;
        int warps = 1 << d.WarpBits.Count;
        for (int o = 0; o < carried[0].Length; o++)
        {
            string index = OutputIndex(d.Home, o);
            string[] Partials(int warp) => d.Scratches.Select(s => $"{Arena(s.Element)}[{Plus(index, s.Offset + warp * v.Type.Count)}]").ToArray();
            var first = Partials(0);
            for (int j = 0; j < carried.Length; j++) w.Line($"{carried[j][o]} = {first[j]};");
            for (int warp = 1; warp < warps; warp++)
            {
                var others = Partials(warp);
                if (arg) ArgStep(v.Kind, carried[0][o], carried[1][o], others[0], others[1], strict: false);
                else CombineInto(v.Kind, v.Combine, carried.Select(c => c[o]).ToArray(), others);
            }
        }
    }

    /// <summary><c>acc = acc ⊕ other</c> (the lines, after those of a combiner's locals); for a tuple combiner, every
    /// component of acc at once (the new values go to locals first, since each may read every old one).</summary>
    private void CombineInto(TileOpKind kind, Combiner? combine, string[] accs, string[] others)
    {
        var values = Combined(kind, combine, accs, others);
        if (values.Length == 1)
        {
            if (values[0] != accs[0]) w.Line($"{accs[0]} = {values[0]};");
            return;
        }
        var changed = Enumerable.Range(0, values.Length).Where(j => values[j] != accs[j]).ToList();
        var next = changed.ToDictionary(j => j, j => names.Unique(accs[j] + "Next"));
        foreach (int j in changed) w.Line($"{CsType(combine!.Params[j])} {next[j]} = {values[j]};");
        foreach (int j in changed) w.Line($"{accs[j]} = {next[j]};");
    }

    /// <summary>
    /// <c>acc ⊕ other</c> as expressions (one per component of a tuple combiner): the op's template, or its combiner
    /// written out, the combiner's named locals as lines before it (under fresh names) and an operand of
    /// <paramref name="others"/> in a local first when it is an expression (a shuffle, a shared read) that the combiner
    /// reads more than once, or that a tuple combiner reads at all (a shuffle must not land in one branch of a ?:).
    /// </summary>
    private string[] Combined(TileOpKind kind, Combiner? combine, string[] accs, string[] others)
    {
        if (combine is null) return new[] { Apply(target.Template(kind), new[] { accs[0], others[0] }) };
        int k = combine.Arity;
        for (int j = 0; j < k; j++)
        {
            var right = combine.Params[k + j];
            string other = others[j];
            if (!Simple.IsMatch(other) && (k > 1 || combine.Reads(right.Id) > 1))
            {
                string local = names.Unique(accs[j] + "Other");
                w.Line($"{CsType(right)} {local} = {other};");
                other = local;
            }
            scalars[combine.Params[j].Id] = accs[j];
            scalars[right.Id] = other;
        }
        foreach (var op in combine.Body) Scalar(op);
        return combine.Results.Select(Scalar).ToArray();
    }
    /// <summary>How the comments name a reduction or scan: its kind, and a combiner's method.</summary>
    private static string OpText(TileOpKind kind, Combiner? combine) => combine is null ? kind.ToString() : $"{kind}({combine.Method})";

    /// <summary>The position among the warps along the axis: the warp bits along it, which are consecutive.</summary>
    private string WarpSlot(DReduce d)
    {
        var bits = d.WarpBits;
        for (int i = 1; i < bits.Count; i++)
            if (bits[i] != bits[i - 1] + 1) throw new System.InvalidOperationException("The warps along a reduced axis are not consecutive bits of tid.");
        return Run(LinearLayout.LaneBits + bits[0], bits.Count);
    }

    private string OutputIndex(LinearLayout home, int register) => home.Rank == 0 ? "0" : LinearIndex(home, register);

    /// <summary>Argmax's (Argmin's) combine: take the other (value, index) if its value is larger (smaller), or equal at
    /// a smaller index.</summary>
    private void ArgStep(TileOpKind kind, string value, string index, string otherValue, string otherIndex, bool strict)
    {
        string v2 = names.Unique(value + "Other");
        string i2 = names.Unique(index + "Other");
        w.Line($"var {v2} = {otherValue};");
        w.Line($"int {i2} = {otherIndex};");
        string beats = kind == TileOpKind.Argmax ? ">" : "<";
        string take = strict ? $"{v2} {beats} {value}" : $"{v2} {beats} {value} || ({v2} == {value} && {i2} < {index})";
        w.Line($"if ({take}) {{ {value} = {v2}; {index} = {i2}; }}");
    }
}
