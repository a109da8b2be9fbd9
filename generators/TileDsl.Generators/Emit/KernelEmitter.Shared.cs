using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Shared memory: one arena per element type (allocated once, at the size the allocation pass found), local stores
/// and loads through a buffer's map, vectorized where the pass allowed it.
/// </summary>
internal sealed partial class KernelEmitter
{
    private readonly Dictionary<ElementType, string> arenaNames = new();

    private string Arena(ElementType element)
    {
        if (!arenaNames.TryGetValue(element, out var name))
        {
            arenaNames[element] = name = names.Unique("shared" + element);
        }
        return name;
    }

    private void LocalStore(DLocalStore store)
    {
        var v = program.Values[store.Value];
        string Read(int r) => Operand(store.Value, store.Layout, r);
        bool boolean = v.Type.Element == ElementType.Bool;
        string Staged(int r) => boolean ? $"{Read(r)} ? 1 : 0" : target.ToMemoryExact(store.Buffer.Element, Read(r));
        // A 16-bit tile staged from the vectors its load read goes as the bits came, vector by vector (no conversions).
        var loaded = new Dictionary<int, (List<int> Group, string Vector)>();
        if (v is LoadOp load && ElementTypes.IsSixteenBit(store.Buffer.Element) && issued.TryGetValue(load.Id, out var vectors) && vectors.Layout.Equals(store.Layout))
            for (int g = 0; g < vectors.Groups.Count; g++) loaded[vectors.Groups[g][0]] = (vectors.Groups[g], vectors.Vectors[g]);
        w.Line($"// {store.Buffer.Purpose}");
        Access(store.Buffer, store.Layout, store.Map, store.Vector, (element, at, group) =>
        {
            if (loaded.TryGetValue(group[0], out var same) && same.Group.SequenceEqual(group)) return $"{element}[{at}] = {same.Vector};";
            if (group.Count == 1) return $"{element}[{at}] = {Staged(group[0])};";
            return $"{element}[{at}] = new {target.VectorType(store.Buffer.Element, group.Count)}({string.Join(", ", group.Select(Staged))});";
        });
    }

    private void LocalLoad(DLocalLoad load)
    {
        if (load.Op is ScanOp scan)
        {
            Scan(load, scan);
            return;
        }
        var v = load.Op;
        if (v.Type.IsScalar) registers[(v.Id, load.Layout)] = new[] { names.Unique(Label(v)) }; // a scalar atomic's old value, read back by every thread
        var regs = Registers(v, load.Layout);
        bool boolean = v.Type.Element == ElementType.Bool;
        string Loaded(string read) => boolean ? read + " != 0" : read;
        Access(load.Buffer, load.Layout, load.Map, load.Vector, (element, at, group) =>
        {
            if (group.Count == 1) return $"{CsType(v)} {regs[group[0]]} = {Loaded($"{element}[{at}]")};";
            string value = names.Unique(regs[group[0]] + "Vector");
            return $"var {value} = {element}[{at}]; " + string.Join(" ", group.Select((r, i) => $"{CsType(v)} {regs[r]} = {Loaded($"{value}.{target.Lane(i)}")};"));
        });
        if (v.Type.IsScalar) scalars[v.Id] = regs[0];
    }

    /// <summary>
    /// One line per register (or group of <paramref name="vector"/> registers) of <paramref name="layout"/> inside the
    /// map's window: <paramref name="line"/> gets the arena (or its vector view), the index and the registers. A
    /// register whose window coordinate depends on the thread and may fall outside the window is written under a
    /// test of it.
    /// </summary>
    private void Access(SharedBuffer buffer, LinearLayout layout, SharedMap map, int vector, System.Func<string, string, List<int>, string> line)
    {
        string arena = Arena(buffer.Element);
        string element = vector == 1 ? arena : VectorView(arena, buffer.Element, vector);
        var bits = vector == 1 ? new int[0] : layout.VectorBits(map.UnitDim, vector);
        foreach (var group in layout.Groups(bits).Select(g => g.ToList()))
        {
            int first = group[0];
            var tests = new List<string>();
            if (map.HasWindow)
            {
                int own = layout.RegisterCoordinates(first)[map.WindowDim];
                int lowest = own, highest = own + layout.ThreadExtent(map.WindowDim) - 1;
                int start = map.WindowStart, end = map.WindowStart + map.WindowLength;
                if (highest < start || lowest >= end) continue;
                string coordinate = Coordinate(layout, map.WindowDim, first);
                if (lowest < start) tests.Add($"{coordinate} >= {start}");
                if (highest >= end) tests.Add($"{coordinate} < {end}");
            }
            string at = SharedIndex(buffer, layout, map, first, vector);
            string text = line(element, at, group);
            w.Line(tests.Count == 0 ? text : $"if ({string.Join(" && ", tests)}) {{ {text} }}");
        }
    }

    /// <summary>The index of a register's element in the arena (in vectors of <paramref name="vector"/> elements); with
    /// <paramref name="lineOf"/>, of the element <paramref name="along"/> steps from the start of its line along that
    /// dimension.</summary>
    private string SharedIndex(SharedBuffer buffer, LinearLayout layout, SharedMap map, int register, int vector, int lineOf = -1, int along = 0)
    {
        if (map.Swizzle is { } swizzle) return SwizzledIndex(buffer, layout, map, swizzle, register, vector);
        var own = layout.RegisterCoordinates(register);
        int constant = buffer.Offset;
        var terms = new List<string>();
        for (int d = 0; d < layout.Rank; d++)
        {
            if (d == lineOf) constant += along * map.Strides[d];
            if (map.Strides[d] == 0 || d == lineOf) continue;
            constant += (own[d] - (d == map.WindowDim ? map.WindowStart : 0)) * map.Strides[d];
            string thread = ThreadPart(layout, d, vector, map.Strides[d]);
            if (thread != "0") terms.Add(thread);
        }
        // Every term is a multiple of the vector width (the pass checked the strides, the layout its thread parts).
        if (map.SlotStride > 0) terms.Add(Scaled(Run(map.SlotShift, Layouts.Log2(numThreads) - map.SlotShift), map.SlotStride / vector));
        return Sum(terms.Concat(new[] { (constant / vector).ToString() }));
    }

    /// <summary>The index of a register's element in a 128-byte-swizzled buffer (in vectors of <paramref name="vector"/>).</summary>
    private string SwizzledIndex(SharedBuffer buffer, LinearLayout layout, SharedMap map, SwizzleMap swizzle, int register, int vector)
    {
        // A vector starts at a column that is a multiple of its width (at most one 16-byte chunk), so its
        // elements stay consecutive through the swizzle. Floats (tf32) have their own: 32 to a row, 4 to a chunk.
        // The swizzle depends on a row's place in its group of 8 and a column's in its panel: the register's
        // whole groups of rows and whole panels only add a constant, so registers share their thread constant.
        int rowElements = 128 / ElementTypes.Of(buffer.Element).Bytes, columnDim = 1 - swizzle.RowDim;
        var own = layout.RegisterCoordinates(register);
        int Own(int d) => own[d] - (d == map.WindowDim ? map.WindowStart : 0);
        int rowPart = Own(swizzle.RowDim) % 8, columnPart = Own(columnDim) % rowElements;
        int constant = buffer.Offset + (Own(swizzle.RowDim) - rowPart) * rowElements + (Own(columnDim) - columnPart) * swizzle.Rows;
        string function = buffer.Element == IR.ElementType.Float ? "Swizzle128Float" : "Swizzle128";
        string swizzled = ThreadConstant($"TileMma.{function}({Plus(ThreadPart(layout, swizzle.RowDim), rowPart)}, {Plus(ThreadPart(layout, columnDim), columnPart)}, {swizzle.Rows})", "swizzled");
        string index = constant == 0 ? swizzled : $"{constant} + {swizzled}";
        return vector == 1 ? index : $"({index}) / {vector}";
    }
}
