using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Passes;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Dot on FMA units: the staged operands are read as vectors (a thread's rows of a from the transposed buffer, its
/// columns of b), k unrolled by <see cref="Unroll"/> with constant offsets from two per-thread bases, and every
/// register of the thread's blocks gets a multiply-add. A split Dot runs each slice of threads over its share of k
/// into partial registers; <see cref="DDotSum"/> adds the slices' partials in slice order (the same bits every run).
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>
    /// Steps of k per iteration of a Dot's loop: 16 where a thread holds at most 64 accumulators, else 8, since each
    /// step's operands stay live across the unrolled body (on an H200, 16 for the 128-accumulator matmul pushes it
    /// past 255 registers into spills, while attention and 2-simplicial Dots gain 3 to 7 %).
    /// </summary>
    private static int Unroll(int share, int accumulators) => System.Math.Min(share, accumulators <= 64 ? 16 : 8);

    private void DotInit(DDotInit init)
    {
        var v = init.Op;
        var t = init.Tiling;
        var a = program.Values[v.A];
        var b = program.Values[v.B];
        string how = t.Mma is { } mma ? $"on tensor cores ({mma.Instruction}, {(mma.Tf32 ? "tf32" : ElementTypes.CsName(mma.Input))} in, float out), {mma}" : "on FMA units";
        w.Line($"// {Label(v)} = Dot({Label(a)} [{t.M}, {t.K}], {Label(b)} [{t.K}, {t.N}]) {how}, through shared memory"
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
        if (t.Mma is not null) MmaInit(init);
        if (t.Slices == 1) return;
        foreach (var part in Registers(v, init.Part, Label(v) + "Part")) w.Line($"{CsType(v)} {part} = 0;");
    }

    private void DotSteps(DDot dot)
    {
        if (dot.Tiling.Mma is not null)
        {
            MmaSteps(dot);
            return;
        }
        var part = dot.Part;
        var t = dot.Tiling;
        var regs = registers[(dot.Op.Id, part)];
        string slice = t.Slices == 1 ? "" : Run(Layouts.Log2(numThreads / t.Slices), Layouts.Log2(t.Slices));
        int unroll = Unroll(t.Share, part.RegisterCount);
        var a = new StagedOperand("a", dot.A, t.A, 0, part, unroll);
        var b = new StagedOperand("b", dot.B, t.B, 1, part, unroll);
        foreach (var operand in new[] { a, b })
        {
            operand.Base = names.Unique(operand.Stem + "At");
            var t0 = operand.Operand;
            int w = operand.Width;
            string thread = t0.KMajor ? ThreadPart(part, operand.Dim, w, t0.RowLength) : ThreadPart(part, operand.Dim, w);
            int sliceStride = (t0.KMajor ? t.Share : t.Share * t0.RowLength) / w;
            // A pipelined operand is read from this iteration's stage of its buffer.
            bool staged = operand.Dim == 0 ? dot.AStaged : dot.BStaged;
            string stage = staged ? Scaled(stageRead!, operand.Buffer.StageElements / w) : "0";
            this.w.Line($"int {operand.Base} = {Sum(new[] { (operand.Buffer.Offset / w).ToString(), thread, SliceOffset(slice, sliceStride), stage })};");
        }

        string? k = null;
        if (t.Share > unroll)
        {
            k = names.Unique("k");
            w.Open($"for (int {k} = 0; {k} < {t.Share}; {k} += {unroll})");
        }
        foreach (var operand in new[] { a, b })
        {
            if (k is null) { operand.Step = operand.Base; continue; }
            operand.Step = names.Unique(operand.Stem + "K");
            var o = operand.Operand;
            string advance = o.KMajor ? $"({k} >> {Layouts.Log2(operand.Width)})" : Scaled(k, o.RowLength / operand.Width);
            w.Line($"int {operand.Step} = {operand.Base} + {advance};");
        }
        for (int u = 0; u < unroll; u++)
        {
            var rows = a.Values(this, u);
            var columns = b.Values(this, u);
            for (int r = 0; r < part.RegisterCount; r++)
            {
                var c = part.RegisterCoordinates(r);
                w.Line($"{regs[r]} += {rows[c[0]]} * {columns[c[1]]};");
            }
        }
        if (k is not null) w.Close();
    }

    /// <summary>
    /// One staged operand of a Dot as the multiply-adds read it: the thread's rows of a (or columns of b), at each step
    /// of k, in vectors of <see cref="Width"/> along MN (MN-major) or along k (K-major, loaded every Width steps).
    /// </summary>
    private sealed class StagedOperand
    {
        private readonly List<int> coordinates;
        private Dictionary<int, string>[] kSteps = new Dictionary<int, string>[0];

        public StagedOperand(string stem, SharedBuffer buffer, DotOperand operand, int dim, LinearLayout part, int unroll)
        {
            Stem = stem;
            Buffer = buffer;
            Operand = operand;
            Dim = dim;
            coordinates = Enumerable.Range(0, part.RegisterCount).Select(r => part.RegisterCoordinates(r)[dim]).Distinct().OrderBy(x => x).ToList();
            int run = operand.KMajor ? unroll : part.Contiguous(dim);
            Width = Vectorize.Width(run, buffer.Element);
            while (Width > 1 && operand.RowLength % Width != 0) Width /= 2;
        }

        public string Stem { get; }

        public SharedBuffer Buffer { get; }

        public DotOperand Operand { get; }

        public int Dim { get; }

        public int Width { get; }

        public string Base { get; set; } = "";

        public string Step { get; set; } = "";

        /// <summary>The values of step <paramref name="u"/> of the unrolled block, by register coordinate (loading them first where due).</summary>
        public Dictionary<int, string> Values(KernelEmitter e, int u)
        {
            if (!Operand.KMajor)
            {
                // A vector holds Width consecutive rows (or columns) at this step.
                var result = new Dictionary<int, string>();
                for (int i = 0; i < coordinates.Count; i++)
                {
                    int c = coordinates[i];
                    if (c % Width != 0) continue;
                    string value = e.Read(Stem, Buffer, Width, Step, (u * Operand.RowLength + c) / Width, u, i);
                    for (int lane = 0; lane < Width; lane++) result[c + lane] = Lane(e, value, lane);
                }
                return result;
            }
            if (u % Width == 0)
            {
                // A vector holds Width consecutive steps of k of one row (or column).
                kSteps = Enumerable.Range(0, Width).Select(_ => new Dictionary<int, string>()).ToArray();
                for (int i = 0; i < coordinates.Count; i++)
                {
                    int c = coordinates[i];
                    string value = e.Read(Stem, Buffer, Width, Step, (c * Operand.RowLength + u) / Width, u, i);
                    for (int lane = 0; lane < Width; lane++) kSteps[lane][c] = Lane(e, value, lane);
                }
            }
            return kSteps[u % Width];
        }

        private string Lane(KernelEmitter e, string value, int lane) => Width == 1 ? value : $"{value}.{e.target.Lane(lane)}";
    }

    /// <summary>Declares the staged value (or vector of <paramref name="width"/>) at <paramref name="at"/> + <paramref name="offset"/>; returns its name.</summary>
    private string Read(string stem, SharedBuffer buffer, int width, string at, int offset, int u, int index)
    {
        string arena = Arena(buffer.Element);
        string view = width == 1 ? arena : VectorView(arena, buffer.Element, width);
        string name = names.Unique($"{stem}{index}_{u}");
        w.Line($"{(width == 1 ? ElementTypes.CsName(buffer.Element) : "var")} {name} = {view}[{Plus(at, offset)}];");
        return name;
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

    private static string SliceOffset(string slice, int stride) => slice.Length == 0 ? "0" : Scaled(slice, stride);
}
