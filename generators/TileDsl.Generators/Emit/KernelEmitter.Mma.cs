using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Dot on tensor cores. On CUDA, inline PTX: the accumulators and fragments are PTX registers (an ILGPU value handed
/// to inline PTX by reference would live in local memory), ranges of those that <see cref="TileMma.SharedAddress"/>
/// declares first thing in the kernel (PTX wants declarations before uses in its text, and ILGPU places the blocks
/// of an <c>if</c> after what follows it), <c>ldmatrix.x4</c> (<c>.trans</c> for an MN-major operand) reads a
/// 16 × 16 block of a, or two 8-column blocks of b, from the staged rows at addresses each lane computes, and
/// <c>mma.sync.aligned.m16n8k16.row.col</c> accumulates in fp32 (<c>m16n8k8</c> of tf32: <c>ldmatrix</c> moves
/// 32-bit elements as pairs of 16-bit ones, a k-major 8 × 4 block of floats per 8 × 8 matrix). The program's registers of the result are copied into
/// the PTX accumulators before the first chunk and back after the last. On the CPU accelerator the same addresses feed
/// <see cref="TileMma"/>'s emulation of both instructions, with the hardware's placement of every element.
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>PTX registers the tensor-core Dots have taken so far (accumulators, a and b fragments), out of TileMma's.</summary>
    private int ptxAccumulators, ptxA, ptxB;

    /// <summary>Per tensor-core Dot: the stem of its PTX registers, and the locals of its lanes' ldmatrix rows (set at its first chunk).</summary>
    private readonly Dictionary<int, MmaNames> mmaNames = new();

    private string? sharedAddress;

    private sealed class MmaNames
    {
        public int C, A, B;

        /// <summary>The first of the fragment registers a wgmma Dot reads a from (<see cref="DDot.ARegisters"/>), once taken.</summary>
        public int RegisterA = -1;
        public string Stem = "";
        public string ARow = "", BRow = "", AAt = "", BAt = "";
    }

    /// <summary>The PTX registers <see cref="TileMma.SharedAddress"/> declares: accumulators, and of each fragment.</summary>
    private const int PtxAccumulators = 2048, PtxFragments = 512;

    /// <summary>Whether a program's shared memory is dynamic: a Dot on tensor cores (ldmatrix) or a software pipeline
    /// (cp.async) needs its address.</summary>
    public static bool UsesDynamicShared(DistributedProgram program) => program.All.Any(s => s is DDotInit { Tiling.Mma: not null } or DAsyncCopy);

    /// <summary>Whether a program has Dots on <c>wgmma</c> (a Hopper variant).</summary>
    public static bool UsesWgmma(DistributedProgram program) => program.All.Any(s => s is DDotInit { Tiling.Mma.Wgmma: true });

    /// <summary>Tensor-core Dots whose accumulators stay in PTX registers across their runtime loop (see <see cref="ResidentAccumulators"/>).</summary>
    private readonly HashSet<int> residentDots = new();

    /// <summary>The PTX registers of a tensor-core Dot (taken at its first mention).</summary>
    private MmaNames MmaRegisters(DDotInit init)
    {
        if (mmaNames.TryGetValue(init.Op.Id, out var existing)) return existing;
        var mma = init.Tiling.Mma!;
        var n = new MmaNames { Stem = names.Unique("mma"), C = ptxAccumulators, A = ptxA, B = ptxB };
        mmaNames[init.Op.Id] = n;
        ptxAccumulators += init.Home.RegisterCount;
        ptxA += 4 * mma.BlocksM;
        ptxB += 2 * mma.BlocksN;
        CheckPtxRegisters();
        sharedAddress ??= names.Unique("sharedAddress");
        return n;
    }

    /// <summary>Throws where the tensor-core Dots have taken more PTX registers than TileMma declares.</summary>
    private void CheckPtxRegisters()
    {
        if (ptxAccumulators > PtxAccumulators || ptxA > PtxFragments || ptxB > PtxFragments)
            throw new System.InvalidOperationException($"The tensor-core Dots of this kernel need more than TileMma's {PtxAccumulators} accumulator and {PtxFragments} fragment registers.");
    }

    private void MmaInit(DDotInit init)
    {
        var v = init.Op;
        var n = MmaRegisters(init);
        // The PTX accumulators' start: none for a resident accumulator (rescaled in place where ResidentAccumulators
        // found a factor), none for a wgmma Dot without an accumulator (scale-d 0 on its first step makes d = a·b),
        // zeros for mma.sync, else the accumulator's registers.
        bool rescaled = rescaledDots.TryGetValue(v.Id, out int factor);
        bool resident = residentDots.Contains(v.Id);
        if (resident && !rescaled || !resident && v.Acc is null && init.Tiling.Mma!.Wgmma) return;
        w.Open($"if ({target.IsCuda})");
        if (rescaled)
        {
            // The product in the program's registers serves the CPU's emulation alone: 0 on CUDA leaves it and the
            // carried value dead (not a cycle through the loop that the compilers would have to see through).
            foreach (var reg in registers[(v.Id, init.Home)]) w.Line($"{reg} = 0f;");
            MmaRescale(n, init, factor);
        }
        else if (v.Acc is null) MmaZero(n, init.Home.RegisterCount);
        else MmaIn(n, registers[(v.Id, init.Home)]);
        w.Close();
    }

    private void MmaZero(MmaNames n, int count)
    {
        foreach (var group in Chunks(Enumerable.Range(0, count), 16))
            w.Line(target.Ptx(string.Join(" ", group.Select(i => $"mov.f32 tdC{n.C + i}, 0f00000000;"))));
    }

    /// <summary>The program's registers <paramref name="regs"/> into the Dot's PTX accumulators.</summary>
    private void MmaIn(MmaNames n, string[] regs)
    {
        foreach (var group in Chunks(Enumerable.Range(0, regs.Length), 8))
            w.Line(target.Ptx(string.Join(" ", group.Select((i, k) => $"mov.f32 tdC{n.C + i}, %{k};")), group.Select(i => regs[i]).ToArray()));
    }

    /// <summary>
    /// The Dot's PTX accumulators into the program's registers <paramref name="regs"/>, one at a time through one
    /// local (inline PTX writes its outputs through memory).
    /// </summary>
    private void MmaOut(MmaNames n, string[] regs)
    {
        string result = names.Unique(n.Stem + "Out");
        w.Open($"if ({target.IsCuda})");
        w.Line($"float {result};");
        for (int r = 0; r < regs.Length; r++)
            w.Line($"{target.PtxOut($"mov.f32 %0, tdC{n.C + r};", result)} {regs[r]} = {result};");
        w.Close();
    }

    /// <summary>
    /// The carried values of a runtime loop that a tensor-core Dot accumulates into in place, at the loop's top level,
    /// and that nothing else in the loop reads (<c>acc = Dot(a, b, acc)</c>): on CUDA they stay in the Dot's PTX
    /// registers for the whole loop, entering before it and leaving after it, instead of at every iteration (the
    /// program's registers would double the live accumulators). So too where the Dot accumulates into the carried
    /// value times a factor that nothing else reads (<c>acc = Dot(p, v, acc * alpha[.., None])</c>, flash attention's
    /// rescaling): the PTX registers are multiplied in place (<see cref="MmaRescale"/>). The CPU's emulation keeps using
    /// the program's registers.
    /// </summary>
    private List<(MmaNames Names, string[] Registers)> ResidentAccumulators(DLoop dloop, List<(string[] Targets, LinearLayout? Layout)> carried)
    {
        var resident = new List<(MmaNames, string[])>();
        var loop = dloop.Loop;
        for (int k = 0; k < loop.Args.Count; k++)
        {
            int arg = loop.Args[k].Id;
            var init = dloop.Body.OfType<DDotInit>().FirstOrDefault(d => d.Tiling.Mma is not null && d.Op.Id == loop.Yields[k]
                && d.Home.Equals(carried[k].Layout));
            if (init is null) continue;
            bool inPlace = init.InPlace && init.Op.Acc == arg;
            var rescaling = inPlace ? null : Rescaling(dloop, init, arg);
            if (!inPlace && rescaling is null || dloop.Body.Any(s => s != init && s != rescaling?.Define && program.Reads(s).Contains(arg))) continue;
            var n = MmaRegisters(init);
            residentDots.Add(init.Op.Id);
            if (rescaling is { } r) rescaledDots[init.Op.Id] = r.Factor;
            w.Open($"if ({target.IsCuda})");
            MmaIn(n, carried[k].Targets);
            w.Close();
            resident.Add((n, carried[k].Targets));
        }
        return resident;
    }

    /// <summary>Tensor-core Dots whose resident accumulators are multiplied by a factor before each Dot, by the factor's id.</summary>
    private readonly Dictionary<int, int> rescaledDots = new();

    /// <summary>
    /// Where <paramref name="init"/>'s accumulator is <paramref name="arg"/> times a factor, computed in the Dot's
    /// layout at the loop's top level and read by the Dot alone: that product's statement and the factor. Not where the
    /// Dot's chunks run on past it (<see cref="DDot.Deferrable"/>): the next iteration would multiply registers that
    /// a chunk still writes.
    /// </summary>
    private (DDefine Define, int Factor)? Rescaling(DLoop dloop, DDotInit init, int arg)
    {
        if (init.Op.Acc is not { } acc || program.Values[acc] is not ElementwiseOp { Kind: TileOpKind.Mul } mul || mul.Args.Count != 2) return null;
        int factor = mul.Args[0] == arg ? mul.Args[1] : mul.Args[1] == arg ? mul.Args[0] : -1;
        if (factor < 0 || factor == arg || dloop.Body.Any(s => s is DDot { Deferrable: true } dot && dot.Op.Id == init.Op.Id)) return null;
        var define = dloop.Body.OfType<DDefine>().FirstOrDefault(d => d.Op.Id == acc && init.Home.Equals(d.Layout));
        if (define is null || dloop.Body.Any(s => s != init && program.Reads(s).Contains(acc))) return null;
        return (define, factor);
    }

    /// <summary>
    /// The resident accumulators of a rescaled Dot multiplied by their factor in place, in PTX (the registers never
    /// leave the loop; inputs only, so nothing passes through local memory).
    /// </summary>
    private void MmaRescale(MmaNames n, DDotInit init, int factor)
    {
        foreach (var group in Chunks(Enumerable.Range(0, init.Home.RegisterCount), 8))
            w.Line(target.Ptx(string.Join(" ", group.Select((i, k) => $"mul.f32 tdC{n.C + i}, tdC{n.C + i}, %{k};")),
                group.Select(i => Operand(factor, init.Home, i)).ToArray()));
    }

    private void MmaSteps(DDot dot)
    {
        var t = dot.Tiling;
        var mma = t.Mma!;
        if (mma.Wgmma)
        {
            WgmmaSteps(dot);
            return;
        }
        var n = mmaNames[dot.Op.Id];
        var regs = registers[(dot.Op.Id, dot.Part)];
        int mBits = Layouts.Log2(mma.WarpsM), nBits = Layouts.Log2(mma.WarpsN);
        if (n.ARow.Length == 0)
        {
            // The row each lane gives ldmatrix (.x4: lanes 8j to 8j + 7 the rows of matrix j). For a's 16 × 16 block:
            // k-major, m = l mod 16 at k = 8·(l / 16); MN-major (.trans), k = l mod 8 + 8·(l / 16) at m = 8·(l / 8 mod 2).
            // For b's two 8-column blocks: k-major, n = l mod 8 + 8·(l / 16) at k = 8·(l / 8 mod 2); MN-major,
            // k = l mod 8 + 8·(l / 8 mod 2) at n = 8·(l / 16). Plus the warp's first row or column. (tf32, always
            // k-major: the same rows, k stepping by 4 instead of 8, 16 bytes either way.)
            int half = 16 / t.A.Bytes;
            var (aMn, aK) = t.A.KMajor ? (new[] { (0, 4, 1) }, new[] { (4, 1, half) }) : (new[] { (3, 1, 8) }, new[] { (0, 3, 1), (4, 1, 8) });
            var (bMn, bK) = t.B.KMajor ? (new[] { (0, 3, 1), (4, 1, 8) }, new[] { (3, 1, half) }) : (new[] { (4, 1, 8) }, new[] { (0, 3, 1), (3, 1, 8) });
            n.ARow = names.Unique(n.Stem + "RowA");
            n.BRow = names.Unique(n.Stem + "RowB");
            w.Line($"int {n.ARow} = {RowIndex(t.A, dot.A, aMn, aK, (LinearLayout.LaneBits, mBits, mma.WarpM))};");
            w.Line($"int {n.BRow} = {RowIndex(t.B, dot.B, bMn, bK, (LinearLayout.LaneBits + mBits, nBits, mma.WarpN))};");
            n.AAt = names.Unique(n.Stem + "AtA");
            n.BAt = names.Unique(n.Stem + "AtB");
        }
        int steps = t.Chunk / mma.KStep, bytes = t.A.Bytes;
        string A(int mi, int j) => $"tdA{n.A + 4 * mi + j}";
        string B(int pair, int j) => $"tdB{n.B + 4 * pair + j}";
        string C(int mi, int ni, int j) => $"tdC{n.C + 4 * (ni + mma.BlocksN * mi) + j}";
        // A block's first row (16 rows or columns further per block, a k step further per kk).
        int AOffset(int kk, int mi) => 16 * mi * t.A.Strides.Mn + mma.KStep * kk * t.A.Strides.K;
        int BOffset(int kk, int pair) => 16 * pair * t.B.Strides.Mn + mma.KStep * kk * t.B.Strides.K;
        string LoadMatrix(DotOperand o) => $"ldmatrix.sync.aligned.m8n8.x4{(o.KMajor ? "" : ".trans")}.shared.b16";
        string type = mma.PtxType;

        // A pipelined operand is read from this iteration's stage of its buffer.
        string aRow = Sum(new[] { n.ARow, StageOffset(dot.A, dot.AStaged) }.Where(t => t.Length > 0));
        string bRow = Sum(new[] { n.BRow, StageOffset(dot.B, dot.BStaged) }.Where(t => t.Length > 0));
        w.Open($"if ({target.IsCuda})");
        w.Line($"uint {n.AAt} = {ArenaAddress(t.Element)} + (uint){Parenthesized(aRow)} * {bytes};");
        w.Line($"uint {n.BAt} = {ArenaAddress(t.Element)} + (uint){Parenthesized(bRow)} * {bytes};");
        for (int kk = 0; kk < steps; kk++)
        {
            for (int mi = 0; mi < mma.BlocksM; mi++)
                w.Line(target.Ptx($"{LoadMatrix(t.A)} {{{string.Join(", ", Enumerable.Range(0, 4).Select(j => A(mi, j)))}}}, [%0+{AOffset(kk, mi) * bytes}];", n.AAt));
            for (int pair = 0; pair < mma.BlocksN / 2; pair++)
                w.Line(target.Ptx($"{LoadMatrix(t.B)} {{{string.Join(", ", Enumerable.Range(0, 4).Select(j => B(pair, j)))}}}, [%0+{BOffset(kk, pair) * bytes}];", n.BAt));
            for (int mi = 0; mi < mma.BlocksM; mi++)
            {
                var instructions = Enumerable.Range(0, mma.BlocksN).Select(ni =>
                {
                    string c = string.Join(", ", Enumerable.Range(0, 4).Select(j => C(mi, ni, j)));
                    string a = string.Join(", ", Enumerable.Range(0, 4).Select(j => A(mi, j)));
                    string b = $"{B(ni / 2, 2 * (ni % 2))}, {B(ni / 2, 2 * (ni % 2) + 1)}";
                    return $"mma.sync.aligned.m16n8k{mma.KStep}.row.col.f32.{type}.{type}.f32 {{{c}}}, {{{a}}}, {{{b}}}, {{{c}}};";
                });
                foreach (var group in Chunks(instructions, 4)) w.Line(target.Ptx(string.Join(" ", group)));
            }
        }
        w.Close();

        w.Open("else");
        string arena = Arena(t.Element);
        string bfloat16 = Bool(mma.Input == IR.ElementType.BFloat16);
        for (int kk = 0; kk < steps; kk++)
        {
            var a = Enumerable.Range(0, mma.BlocksM).Select(mi => names.Unique($"{n.Stem}A{mi}_{kk}")).ToArray();
            var b = Enumerable.Range(0, mma.BlocksN / 2).Select(pair => names.Unique($"{n.Stem}B{pair}_{kk}")).ToArray();
            string LoadFragment(DotOperand o, string row) => mma.Tf32 ? $"TileMma.LoadMatrixTf32({arena}, {row})" : $"TileMma.LoadMatrix({arena}, {row}, {Bool(!o.KMajor)}, {bfloat16})";
            for (int mi = 0; mi < a.Length; mi++) w.Line($"var {a[mi]} = {LoadFragment(t.A, Plus(aRow, AOffset(kk, mi)))};");
            for (int pair = 0; pair < b.Length; pair++) w.Line($"var {b[pair]} = {LoadFragment(t.B, Plus(bRow, BOffset(kk, pair)))};");
            for (int mi = 0; mi < mma.BlocksM; mi++)
            {
                for (int ni = 0; ni < mma.BlocksN; ni++)
                {
                    var c = Enumerable.Range(0, 4).Select(j => regs[4 * (ni + mma.BlocksN * mi) + j]).ToArray();
                    string d = names.Unique($"{n.Stem}D{mi}_{ni}_{kk}");
                    w.Line($"var {d} = TileMma.{(mma.Tf32 ? "MmaTf32" : "Mma")}({string.Join(", ", c)}, {a[mi]}, {b[ni / 2]}, {ni % 2}); "
                        + string.Join(" ", c.Select((r, j) => $"{r} = {d}.{target.Lane(j)};")));
                }
            }
        }
        w.Close();

        if (dot.Last && !residentDots.Contains(dot.Op.Id)) MmaOut(n, regs);
    }

    /// <summary>The arena index of the row a lane gives ldmatrix: its (MN, k) coordinates, each a sum of runs of lane
    /// bits (shift, count, scale), and the warp's run (shift, count, extent) along MN, through the operand's strides.</summary>
    private string RowIndex(DotOperand operand, SharedBuffer buffer, (int, int, int)[] mn, (int, int, int)[] k, (int Shift, int Count, int Extent) warp)
    {
        var (strideMn, strideK) = operand.Strides;
        var terms = mn.Select(x => Scaled(Run(x.Item1, x.Item2), x.Item3 * strideMn))
            .Concat(k.Select(x => Scaled(Run(x.Item1, x.Item2), x.Item3 * strideK))).ToList();
        if (warp.Count > 0) terms.Add(Scaled(Run(warp.Shift, warp.Count), warp.Extent * strideMn));
        terms.Add(buffer.Offset.ToString());
        return Sum(terms);
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static IEnumerable<List<T>> Chunks<T>(IEnumerable<T> items, int size)
    {
        var list = items.ToList();
        for (int i = 0; i < list.Count; i += size) yield return list.GetRange(i, System.Math.Min(size, list.Count - i));
    }
}
