using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Passes;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Dot on FMA units: the staged operands are read as vectors (a thread's rows of a from the transposed buffer, its
/// columns of b), k unrolled by <see cref="DotUnroll"/> with constant offsets from two per-thread bases, and every
/// register of the thread's blocks gets a multiply-add. A split Dot runs each slice of threads over its share of k
/// into partial registers; <see cref="DDotSum"/> adds the slices' partials in slice order (the same bits every run).
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>Steps of k per iteration of a Dot's loop.</summary>
    private const int DotUnroll = 8;

    private void DotInit(DDotInit init)
    {
        var v = init.Op;
        var t = init.Tiling;
        var a = program.Values[v.A];
        var b = program.Values[v.B];
        w.Line($"// {Label(v)} = Dot({Label(a)} [{t.M}, {t.K}], {Label(b)} [{t.K}, {t.N}]) on FMA units, through shared memory"
            + (t.Chunk < t.K ? $", {t.Chunk} of k at a time" : "") + (t.Slices == 1 ? "" : $", k split over {t.Slices} slices of {numThreads / t.Slices} threads"));
        if (init.InPlace && v.Acc is { } accumulator && registers.TryGetValue((accumulator, init.Home), out var accumulated))
        {
            registers[(v.Id, init.Home)] = accumulated;
        }
        else
        {
            var regs = Registers(v, init.Home);
            for (int r = 0; r < init.Home.RegisterCount; r++)
                w.Line($"{CsType(v)} {regs[r]} = {(v.Acc is { } acc ? Operand(acc, init.Home, r) : "0")};");
        }
        if (t.Slices == 1) return;
        foreach (var part in Registers(v, init.Part, Label(v) + "Part")) w.Line($"{CsType(v)} {part} = 0;");
    }

    private void DotSteps(DDot dot)
    {
        var part = dot.Part;
        var t = dot.Tiling;
        var element = dot.Op.Type.Element;
        var regs = registers[(dot.Op.Id, part)];
        int wa = StagedWidth(RowRun(part), t.Lda, element), wb = StagedWidth(part.Contiguous(1), t.Ldb, element);
        string slice = t.Slices == 1 ? "" : Run(Layouts.Log2(numThreads / t.Slices), Layouts.Log2(t.Slices));
        string aAt = names.Unique("aAt"), bAt = names.Unique("bAt");
        w.Line($"int {aAt} = {Sum(new[] { (dot.A.Offset / wa).ToString(), ThreadPart(part, 0, wa), SliceOffset(slice, t.Share * t.Lda / wa) })};");
        w.Line($"int {bAt} = {Sum(new[] { (dot.B.Offset / wb).ToString(), ThreadPart(part, 1, wb), SliceOffset(slice, t.Share * t.Ldb / wb) })};");

        int unroll = System.Math.Min(t.Share, DotUnroll);
        string aK = aAt, bK = bAt;
        if (t.Share > unroll)
        {
            string k = names.Unique("k");
            w.Open($"for (int {k} = 0; {k} < {t.Share}; {k} += {unroll})");
            aK = names.Unique("aK");
            bK = names.Unique("bK");
            w.Line($"int {aK} = {aAt} + {Scaled(k, t.Lda / wa)};");
            w.Line($"int {bK} = {bAt} + {Scaled(k, t.Ldb / wb)};");
        }
        var rows = Enumerable.Range(0, part.RegisterCount).Select(r => part.RegisterCoordinates(r)[0]).Distinct().OrderBy(x => x).ToList();
        var columns = Enumerable.Range(0, part.RegisterCount).Select(r => part.RegisterCoordinates(r)[1]).Distinct().OrderBy(x => x).ToList();
        for (int u = 0; u < unroll; u++)
        {
            var rowValues = Read("a", dot.A, aK, u * t.Lda, rows, wa, u);
            var columnValues = Read("b", dot.B, bK, u * t.Ldb, columns, wb, u);
            for (int r = 0; r < part.RegisterCount; r++)
            {
                var c = part.RegisterCoordinates(r);
                w.Line($"{regs[r]} += {rowValues[c[0]]} * {columnValues[c[1]]};");
            }
        }
        if (t.Share > unroll) w.Close();
    }

    /// <summary>
    /// Reads the staged values at <paramref name="offsets"/> (register parts of a row or column) of one step of k, in
    /// vectors of <paramref name="width"/>; returns the expression of each offset's value.
    /// </summary>
    private Dictionary<int, string> Read(string stem, SharedBuffer buffer, string at, int step, List<int> offsets, int width, int u)
    {
        var result = new Dictionary<int, string>();
        string arena = Arena(buffer.Element);
        string view = width == 1 ? arena : VectorView(arena, buffer.Element, width);
        string type = Semantics.ElementTypes.CsName(buffer.Element);
        for (int i = 0; i < offsets.Count; i++)
        {
            int first = offsets[i];
            if (first % width != 0 || result.ContainsKey(first)) continue;
            string name = names.Unique($"{stem}{result.Count / width}_{u}");
            string index = Plus(at, (step + first) / width);
            if (width == 1)
            {
                w.Line($"{type} {name} = {view}[{index}];");
                result[first] = name;
                continue;
            }
            w.Line($"var {name} = {view}[{index}];");
            for (int lane = 0; lane < width; lane++) result[first + lane] = $"{name}.{target.Lane(lane)}";
        }
        return result;
    }

    private void DotSum(DDotSum sum)
    {
        var t = sum.Tiling;
        var regs = registers[(sum.Op.Id, sum.Home)];
        string arena = Arena(sum.Partials.Element);
        for (int r = 0; r < sum.Home.RegisterCount; r++)
        {
            string at = LinearIndex(sum.Home, r);
            var slices = Enumerable.Range(0, t.Slices).Select(g => $"{arena}[{Plus(at, sum.Partials.Offset + g * t.M * t.N)}]");
            w.Line($"{regs[r]} += {string.Join(" + ", slices)};");
        }
    }

    /// <summary>Consecutive rows a thread holds in consecutive register bases (the Dot layout's row block).</summary>
    private static int RowRun(LinearLayout layout)
    {
        var bases = layout.Registers;
        int first = 0;
        while (first < bases.Count && bases[first][0] != 1) first++;
        int run = 1;
        for (int k = first; k < bases.Count && bases[k][0] == run && bases[k][1] == 0; k++) run *= 2;
        return run;
    }

    /// <summary>The widest vector (at most 16 bytes and <paramref name="run"/> elements) that keeps rows of <paramref name="rowLength"/> aligned.</summary>
    private static int StagedWidth(int run, int rowLength, IR.ElementType element)
    {
        int width = Vectorize.Width(run, element);
        while (width > 1 && rowLength % width != 0) width /= 2;
        return width;
    }

    private static string SliceOffset(string slice, int stride) => slice.Length == 0 ? "0" : Scaled(slice, stride);
}
