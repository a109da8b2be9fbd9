using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Global memory: Load, Store, the atomics (with their old values when read). A vectorized access (<see cref="VectorAccess"/>) moves each group of
/// consecutive registers with one access where the view is aligned, the group's first offset is a multiple of its
/// width and its masks hold, and one element at a time otherwise: the same values either way.
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>Vector views the body reads through, by (view, element type, width): declared at the top.</summary>
    private readonly Dictionary<(string View, ElementType Element, int Width), string> vectorViews = new();

    /// <summary>Locals for the aligned-views bits, by the pointer parameter's position among the views.</summary>
    private readonly Dictionary<int, string> alignedFlags = new();

    private void Load(LoadOp load, LinearLayout layout, VectorAccess? vector)
    {
        string param = PointerParam(load.Pointers);
        var regs = Registers(load, layout);
        if (vector is null)
        {
            for (int r = 0; r < layout.RegisterCount; r++) w.Line($"{CsType(load)} {regs[r]} = {LoadElement(load, layout, r)};");
            return;
        }
        // Each group is loaded here as one vector where it can be, else one element at a time into the same vector;
        // DLoadMerge takes the registers out of the vectors where the value is first used, so that the loads stay in
        // flight meanwhile and nothing else (offsets, masks) has to stay live until then.
        var groups = Groups(layout, vector.Width);
        var fast = new string[groups.Count];
        var vectors = new string[groups.Count];
        string vectorType = target.VectorType(load.Type.Element, vector.Width);
        for (int g = 0; g < groups.Count; g++)
        {
            fast[g] = names.Unique(regs[groups[g][0]] + "Fast");
            vectors[g] = names.Unique(regs[groups[g][0]] + "Vector");
            string whole = $"{VectorView(param, load.Type.Element, vector.Width)}[{Parenthesized(Operand(load.Pointers, layout, groups[g][0]))} / {vector.Width}]";
            if (vector.Whole && load.Mask is null)
            {
                w.Line($"var {vectors[g]} = {whole};");
                continue;
            }
            // Known whole: where the first mask is off, all are (every element is 'other').
            string elements = vector.Whole
                ? $"new {vectorType}({string.Join(", ", groups[g].Select(_ => RawOther(load)))})"
                : $"new {vectorType}({string.Join(", ", groups[g].Select(r => LoadElement(load, layout, r, raw: true)))})";
            w.Line($"bool {fast[g]} = {VectorCondition(load.Pointers, load.Mask, layout, groups[g], vector)};");
            w.Line($"var {vectors[g]} = {fast[g]} ? {whole} : {elements};");
        }
        issued[load.Id] = (layout, groups, vectors);
    }

    /// <summary>The vectors a load issued, by the load's id: its layout, its groups of registers and their vectors (of
    /// the elements as memory holds them).</summary>
    private readonly Dictionary<int, (LinearLayout Layout, List<List<int>> Groups, string[] Vectors)> issued = new();

    private void LoadMerge(DLoadMerge merge)
    {
        var load = (LoadOp)merge.Load.Op;
        var layout = merge.Load.Layout!;
        var regs = Registers(load, layout);
        var (_, groups, vectors) = issued[load.Id];
        for (int g = 0; g < groups.Count; g++)
            for (int i = 0; i < groups[g].Count; i++) w.Line($"{CsType(load)} {regs[groups[g][i]]} = {target.FromMemory(load.Type.Element, $"{vectors[g]}.{target.Lane(i)}")};");
    }

    /// <summary>One element of a load: <c>mask ? view[offset] : other</c>, as its register holds it (or, <paramref name="raw"/>, as memory does).</summary>
    private string LoadElement(LoadOp load, LinearLayout layout, int r, bool raw = false)
    {
        var element = load.Type.Element;
        string read = $"{PointerParam(load.Pointers)}[{Operand(load.Pointers, layout, r)}]";
        if (!raw) read = target.FromMemory(element, read);
        string other = !raw ? Scalar(load.Other) : RawOther(load);
        return load.Mask is { } mask ? $"{Operand(mask, layout, r)} ? {read} : {other}" : read;
    }

    /// <summary>A load's <c>other</c> as memory holds it. The bits of +0 are all zeros in every 16-bit type.</summary>
    private string RawOther(LoadOp load)
    {
        var element = load.Type.Element;
        return ElementTypes.IsSixteenBit(element) && program.Values[load.Other] is ConstOp { Value: var value } && IsPositiveZero(value)
            ? $"({ElementTypes.Of(element).Storage})0" : target.ToMemory(element, Scalar(load.Other));
    }

    private static bool IsPositiveZero(object value)
        => System.BitConverter.DoubleToInt64Bits(System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)) == 0;

    private void Store(DStore dstore)
    {
        var store = dstore.Store;
        var layout = dstore.Layout;
        string param = PointerParam(store.Pointers);
        var old = dstore.Result;
        var olds = old is not null && dstore.Broadcast is null ? Registers(old, layout) : null;
        OpenReplicaGuard(layout);
        string Assignment(int r)
        {
            string targetElement = $"{param}[{Operand(store.Pointers, layout, r)}]";
            string data = StoredElement(store.Data, layout, r);
            string? compare = store.Compare is { } c ? target.ToMemory(program.Values[c].Type.Element, Operand(c, layout, r)) : null;
            string? mask = store.Mask is { } m ? Operand(m, layout, r) : null;
            if (store.Atomic && old is not null)
            {
                // The old element, or 0 where the mask is off (the atomic runs only where it holds).
                string atomic = target.Atomic(store.AtomicOp, targetElement, data, compare);
                string value = mask is null ? atomic : $"{mask} ? {atomic} : {ElementTypes.Literal(ElementTypes.Of(old.Type.Element).Zero)}";
                return olds is not null ? $"{CsType(old)} {olds[r]} = {value};"
                    : $"{Arena(dstore.Broadcast!.Value.Buffer.Element)}[{SharedIndex(dstore.Broadcast.Value.Buffer, layout, dstore.Broadcast.Value.Map, r, 1)}] = {value};";
            }
            string assignment = store.Atomic ? target.Atomic(store.AtomicOp, targetElement, data, compare) + ";" : $"{targetElement} = {data};";
            return mask is null ? assignment : $"if ({mask}) {assignment}";
        }
        // An atomic's sem: one fence before all of this thread's updates (release), one after them (acquire); the order
        // among the lanes of one call is not defined anyway.
        var order = store.Atomic ? store.Order : new MemoryOrder(AtomicSem.Relaxed, AtomicScope.Gpu);
        if (order.Releases) w.Line(target.Fence(order.Scope));
        if (dstore.Vector is not { } vector)
        {
            for (int r = 0; r < layout.RegisterCount; r++) w.Line(Assignment(r));
        }
        else
        {
            var element = program.Values[store.Data].Type.Element;
            foreach (var group in Groups(layout, vector.Width))
            {
                string values = string.Join(", ", group.Select(r => StoredElement(store.Data, layout, r)));
                string assignment = $"{VectorView(param, element, vector.Width)}[{Parenthesized(Operand(store.Pointers, layout, group[0]))} / {vector.Width}] = new {target.VectorType(element, vector.Width)}({values});";
                if (vector.Whole)
                {
                    // Known whole: stored at once where the first mask holds, not at all elsewhere.
                    w.Line(store.Mask is { } m ? $"if ({Operand(m, layout, group[0])}) {assignment}" : assignment);
                    continue;
                }
                w.Open($"if ({VectorCondition(store.Pointers, store.Mask, layout, group, vector)})");
                w.Line(assignment);
                w.Close();
                w.Open("else");
                foreach (int r in group) w.Line(Assignment(r));
                w.Close();
            }
        }
        if (order.Acquires) w.Line(target.Fence(order.Scope));
        CloseReplicaGuard(layout);
    }

    /// <summary>
    /// The element a store writes from register <paramref name="r"/>, as memory holds it. A cast of floats to a 16-bit
    /// type (<c>acc.To&lt;Half&gt;()</c>) is written from the floats where they have registers in the store's layout,
    /// converted once: the cast's rounding followed by the conversion of its exact result gives the same bits (NaN
    /// payloads too), and an fp16 cast would convert each way (on CUDA two conversions and two NaN tests per element).
    /// </summary>
    private string StoredElement(int data, LinearLayout layout, int r)
    {
        var element = program.Values[data].Type.Element;
        int from = program.Values[data] is CastOp cast && element is ElementType.Half or ElementType.BFloat16
            && program.Values[cast.Source].Type.Element == ElementType.Float && HasRegisters(cast.Source, layout) ? cast.Source : data;
        return target.ToMemory(element, Operand(from, layout, r));
    }

    /// <summary>The registers in groups of <paramref name="width"/> consecutive elements along the last dimension.</summary>
    private static List<List<int>> Groups(LinearLayout layout, int width)
        => layout.Groups(layout.VectorBits(layout.Rank - 1, width)).Select(g => g.ToList()).ToList();

    /// <summary>When a group of registers may move at once: view aligned, first offset a multiple of the width, unit stride, masks hold.</summary>
    private string VectorCondition(int pointers, int? mask, LinearLayout layout, List<int> group, VectorAccess vector)
    {
        var terms = new List<string>();
        if (!vector.Aligned)
        {
            terms.Add(AlignedFlag(program.Values[pointers].Type.PointerParam!));
            terms.Add($"(({Operand(pointers, layout, group[0])} & {vector.Width - 1}) == 0)");
        }
        if (vector.UnitStride is { } stride) terms.Add($"({Scalar(stride)} == 1)");
        if (mask is { } m) terms.AddRange((vector.MaskUniform ? group.Take(1) : group).Select(r => Parenthesized(Operand(m, layout, r))));
        // & rather than &&: no short-circuit branches in the kernel.
        return terms.Count == 0 ? "true" : string.Join(" & ", terms);
    }

    private string AlignedFlag(string parameter)
    {
        int index = signature.Pointers.FindIndex(p => p.Name == parameter);
        if (!alignedFlags.TryGetValue(index, out var name)) alignedFlags[index] = name = names.Unique(parameter + "Aligned");
        return name;
    }

    private string VectorView(string view, ElementType element, int width)
    {
        var key = (view, element, width);
        if (!vectorViews.TryGetValue(key, out var name)) vectorViews[key] = name = names.Unique(view.TrimStart('@') + width);
        return name;
    }

    /// <summary>
    /// Stores from a layout that replicates elements over threads write once: only the threads whose replica bits
    /// are zero (<c>tid &lt; n</c> when those are the high bits).
    /// </summary>
    private void OpenReplicaGuard(LinearLayout layout)
    {
        if (!layout.Replicates(numThreads)) return;
        int replicas = layout.ReplicaMask & (numThreads - 1);
        bool compact = replicas == ((numThreads - 1) & ~(layout.DistinctThreads - 1));
        w.Open(compact ? $"if ({tid} < {layout.DistinctThreads})" : $"if (({tid} & {replicas}) == 0)");
    }

    private void CloseReplicaGuard(LinearLayout layout)
    {
        if (layout.Replicates(numThreads)) w.Close();
    }
}
