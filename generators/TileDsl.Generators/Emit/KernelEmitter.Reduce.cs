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
    private readonly System.Collections.Generic.Dictionary<ReduceOp, (string[] Values, string[] Result)> reductions = new();

    private void Reduce(DReduce d)
    {
        var v = d.Op;
        var source = program.Values[v.Source];
        var operand = d.Operand;
        bool arg = v.Kind is TileOpKind.Argmax or TileOpKind.Argmin;
        string type = CsType(source);
        string label = v.Name.Length > 0 ? v.Name : Label(source) + v.Kind;
        var (sliced, kept) = v.KeepDims ? operand.Project(v.Type.Shape) : operand.Slice(v.Axis);
        var result = d.Home.Rank == 0 ? new[] { names.Unique(label) } : Registers(v, d.Home, label);
        if (d.Home.Rank == 0)
        {
            registers[(v.Id, d.Home)] = result;
            scalars[v.Id] = result[0];
        }
        var values = arg ? result.Select(_ => names.Unique(label + "Value")).ToArray() : result;
        reductions[v] = (values, result);
        w.Line($"// {label} = {OpText(v.Kind, v.Combine)} along axis {v.Axis} of {Label(source)} {source.Type.ShapeText}");

        for (int o = 0; o < sliced.RegisterCount; o++)
        {
            var members = Enumerable.Range(0, operand.RegisterCount).Where(r => LinearLayout.Pack(r, kept) == o)
                .OrderBy(r => operand.RegisterCoordinates(r)[v.Axis]).ToList();
            w.Line($"{type} {values[o]} = {Operand(v.Source, operand, members[0])};");
            if (arg) w.Line($"int {result[o]} = {Coordinate(operand, v.Axis, members[0])};");
            foreach (int r in members.Skip(1))
            {
                string next = Operand(v.Source, operand, r);
                if (arg) ArgStep(v.Kind, values[o], result[o], next, Coordinate(operand, v.Axis, r), strict: true);
                else CombineInto(v.Kind, v.Combine, values[o], next);
            }
        }

        var laneBits = operand.Lanes.Select((b, bit) => (b, bit)).Where(t => t.b[v.Axis] != 0).Select(t => t.bit);
        foreach (int bit in laneBits)
        {
            for (int o = 0; o < values.Length; o++)
            {
                string other = target.ShuffleXor(values[o], 1 << bit);
                if (arg) ArgStep(v.Kind, values[o], result[o], other, target.ShuffleXor(result[o], 1 << bit), strict: false);
                else CombineInto(v.Kind, v.Combine, values[o], other);
            }
        }

    }

    private void ReducePartials(DReducePartials partials)
    {
        var d = partials.Reduce;
        var v = d.Op;
        var scratch = d.Scratch!;
        var (values, result) = reductions[v];
        bool arg = v.Kind is TileOpKind.Argmax or TileOpKind.Argmin;
        string slot = WarpSlot(d);
        for (int o = 0; o < values.Length; o++)
        {
            string at = Sum(new[] { Scaled(slot, v.Type.Count), OutputIndex(d.Home, o), scratch.Offset.ToString() });
            w.Line($"{Arena(scratch.Element)}[{at}] = {values[o]};");
            if (arg) w.Line($"{Arena(d.IndexScratch!.Element)}[{Plus(Sum(new[] { Scaled(slot, v.Type.Count), OutputIndex(d.Home, o) }), d.IndexScratch.Offset)}] = {result[o]};");
        }
    }

    private void ReduceCombine(DReduceCombine combine)
    {
        var d = combine.Reduce;
        var v = d.Op;
        var (values, result) = reductions[v];
        bool arg = v.Kind is TileOpKind.Argmax or TileOpKind.Argmin;
        int warps = 1 << d.WarpBits.Count;
        string arena = Arena(d.Scratch!.Element);
        for (int o = 0; o < values.Length; o++)
        {
            string index = OutputIndex(d.Home, o);
            string Slot(int warp) => Plus(index, d.Scratch.Offset + warp * v.Type.Count);
            string IndexSlot(int warp) => Plus(index, d.IndexScratch!.Offset + warp * v.Type.Count);
            w.Line($"{values[o]} = {arena}[{Slot(0)}];");
            if (arg) w.Line($"{result[o]} = {Arena(d.IndexScratch!.Element)}[{IndexSlot(0)}];");
            for (int warp = 1; warp < warps; warp++)
            {
                if (arg) ArgStep(v.Kind, values[o], result[o], $"{arena}[{Slot(warp)}]", $"{Arena(d.IndexScratch!.Element)}[{IndexSlot(warp)}]", strict: false);
                else CombineInto(v.Kind, v.Combine, values[o], $"{arena}[{Slot(warp)}]");
            }
        }
    }

    /// <summary><c>acc = acc ⊕ other</c> (the line, after the lines of a combiner's locals).</summary>
    private void CombineInto(TileOpKind kind, Combiner? combine, string acc, string other)
    {
        string value = Combined(kind, combine, acc, other);
        if (value != acc) w.Line($"{acc} = {value};");
    }

    /// <summary>
    /// <c>acc ⊕ other</c> as an expression: the op's template, or its combiner written out, the combiner's named locals
    /// as lines before it (under fresh names) and <paramref name="other"/> in a local first when it is an expression
    /// (a shuffle, a shared read) that the combiner reads more than once.
    /// </summary>
    private string Combined(TileOpKind kind, Combiner? combine, string acc, string other)
    {
        if (combine is null) return Apply(target.Template(kind), new[] { acc, other });
        if (!Simple.IsMatch(other) && combine.Reads(combine.B.Id) > 1)
        {
            string local = names.Unique(acc + "Other");
            w.Line($"{CsType(combine.B)} {local} = {other};");
            other = local;
        }
        scalars[combine.A.Id] = acc;
        scalars[combine.B.Id] = other;
        foreach (var op in combine.Body) Scalar(op);
        return Scalar(combine.Result);
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
