using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Cumsum, Cumprod and AssociativeScan: after the operand's local store, each register runs over its line of the
/// buffer along the axis, from the line's first element to its own (from its last element down to its own for a
/// reverse scan), in order (so that the results are the interpreter's, bit for bit). Cumsum and Cumprod start from 0
/// and 1, AssociativeScan from the first element combined, then <c>acc = combine(acc, next)</c>. O(n) steps per
/// element: meant for the short axes of tiles (Triton porters' cumsum over a block).
/// </summary>
internal sealed partial class KernelEmitter
{
    private void Scan(DLocalLoad load, ScanOp scan)
    {
        // A tuple scan computes all its results together, reading each tile's buffer at the same place in the line.
        var results = TupleGroup.Defined(scan).Select(id => program.Values[id]).ToList();
        var buffers = load.ScanBuffers ?? new[] { load.Buffer };
        var regsOf = results.Select(v => Registers(v, load.Layout)).ToList();
        string At(int j, string index) => $"{Arena(buffers[j].Element)}[{Plus(index, buffers[j].Offset - buffers[0].Offset)}]";
        string arena = Arena(load.Buffer.Element);
        int stride = load.Map.Strides[scan.Axis];
        int length = scan.Type.Shape[scan.Axis];
        // The k-th element combined into every register's value, and the loop's test and step from there to its own.
        int Along(int k) => scan.Reverse ? length - 1 - k : k;
        var (reaches, next) = scan.Reverse ? (">=", "-=") : ("<=", "+=");
        w.Line($"// {string.Join(", ", results.Select(Label))}: {OpText(scan.Kind, scan.Combine)} along axis {scan.Axis}, each element from the {(scan.Reverse ? "end" : "start")} of its line");
        for (int r = 0; r < load.Layout.RegisterCount; r++)
        {
            var regs = regsOf[0];
            string end = names.Unique(regs[r] + "At");
            string step = names.Unique("s");
            w.Line($"int {end} = {SharedIndex(load.Buffer, load.Layout, load.Map, r, 1)};");
            string Loop(int from) => $"for (int {step} = {SharedIndex(load.Buffer, load.Layout, load.Map, r, 1, lineOf: scan.Axis, along: Along(from))}; {step} {reaches} {end}; {step} {next} {stride})";
            if (scan.Combine is null)
            {
                bool sum = scan.Kind == TileOpKind.Cumsum;
                w.Line($"{CsType(scan)} {regs[r]} = {(sum ? "0" : "1")};");
                w.Line($"{Loop(0)} {regs[r]} {(sum ? "+=" : "*=")} {arena}[{step}];");
                continue;
            }
            string first = SharedIndex(load.Buffer, load.Layout, load.Map, r, 1, lineOf: scan.Axis, along: Along(0));
            for (int j = 0; j < results.Count; j++) w.Line($"{CsType(results[j])} {regsOf[j][r]} = {At(j, first)};");
            var accs = regsOf.Select(c => c[r]).ToArray();
            var others = buffers.Select((_, j) => At(j, step)).ToArray();
            if (results.Count > 1)
            {
                var (steps, _) = Captured(() => { CombineInto(scan.Kind, scan.Combine, accs, others); return 0; });
                w.Open(Loop(1));
                w.Append(steps);
                w.Close();
                continue;
            }
            var (lines, values) = Captured(() => Combined(scan.Kind, scan.Combine, accs, others));
            if (lines.IsEmpty)
            {
                w.Line($"{Loop(1)} {regs[r]} = {values[0]};");
                continue;
            }
            w.Open(Loop(1));
            w.Append(lines);
            w.Line($"{regs[r]} = {values[0]};");
            w.Close();
        }
    }

    /// <summary>What <paramref name="write"/> returns, and the lines it writes, indented one level deeper, apart.</summary>
    private (CodeWriter Lines, T Value) Captured<T>(System.Func<T> write)
    {
        var outer = w;
        w = new CodeWriter(outer.Depth + 1);
        try
        {
            return (w, write());
        }
        finally
        {
            w = outer;
        }
    }
}
