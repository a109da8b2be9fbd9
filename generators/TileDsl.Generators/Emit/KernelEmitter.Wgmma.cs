using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.Layout;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Dot on Hopper's <c>wgmma.mma_async.m64nNk16</c> (<c>k8</c> of tf32; a kernel's Hopper variant). Each warpgroup multiplies its 64 rows
/// of a by its N columns of b straight from shared memory, where both lie 128-byte swizzled
/// (<c>TileMma.Swizzle128</c>), named by 64-bit matrix descriptors (<c>TileMma.Descriptor</c>: the start address,
/// the bytes between 64-column panels and between groups of 8 rows, swizzle mode 1); a k step of 16 moves a
/// descriptor's start by 32 bytes along a K-major row, or by 16 rows of an MN-major operand. The accumulators are
/// the same PTX registers as mma.sync's (warp w of a warpgroup holds rows 16w to 16w + 15, as an mma.sync warp of
/// 16 rows would). Per chunk: <c>wgmma.fence</c>, the instructions, <c>commit_group</c>, <c>wait_group 0</c> (so that
/// the stages and registers are free again when the chunk ends), or, in a pipelined loop with resident accumulators,
/// <c>wait_group 1</c> and a barrier: the chunk overlaps the copies that follow it and the next iteration's start. The generic-proxy writes that staged the operands
/// are made visible to wgmma's async proxy by <c>fence.proxy.async</c> before each barrier of the program. On the CPU
/// accelerator each thread computes its accumulators from the same swizzled buffers (<c>TileMma.SwizzledDot</c>).
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>Set when a Dot of the loop being emitted leaves a wgmma chunk in flight (the loop waits for it after its end).</summary>
    private bool wgmmaInFlight;

    private void WgmmaSteps(DDot dot)
    {
        var t = dot.Tiling;
        var mma = t.Mma!;
        var n = mmaNames[dot.Op.Id];
        var regs = registers[(dot.Op.Id, dot.Part)];
        string type = mma.PtxType;
        int steps = t.Chunk / mma.KStep, bytes = t.A.Bytes;
        string aStart = Sum(new[] { dot.A.Offset.ToString(), StageOffset(dot.A, dot.AStaged) }.Where(s => s.Length > 0));
        string bStart = Sum(new[] { dot.B.Offset.ToString(), StageOffset(dot.B, dot.BStaged) }.Where(s => s.Length > 0));

        // This warpgroup's first row of a (warps along M in fours: 64 rows each) and first column of b (warps along N).
        int mBits = Layouts.Log2(mma.WarpsM), nBits = Layouts.Log2(mma.WarpsN);
        string groupRow = mBits == 2 ? "0" : Scaled(Run(LinearLayout.LaneBits + 2, mBits - 2), 64 * t.A.SwizzledMn);
        string groupColumn = nBits == 0 ? "0" : Scaled(Run(LinearLayout.LaneBits + mBits, nBits), mma.WarpN * t.B.SwizzledMn);
        w.Open($"if ({target.IsCuda})");
        string aAt = names.Unique(n.Stem + "DescriptorA"), bAt = names.Unique(n.Stem + "DescriptorB");
        if (dot.ARegisters is null)
            w.Line($"long {aAt} = TileMma.Descriptor({ArenaAddress(t.Element)} + (uint){Parenthesized(Sum(new[] { aStart, groupRow }))} * {bytes}, {t.A.PanelBytes}, 1024);");
        else
            PackFragments(dot, n, steps);
        w.Line($"long {bAt} = TileMma.Descriptor({ArenaAddress(t.Element)} + (uint){Parenthesized(Sum(new[] { bStart, groupColumn }))} * {bytes}, {t.B.PanelBytes}, 1024);");
        w.Line(target.Ptx("wgmma.fence.sync.aligned;"));
        string accumulators = string.Join(", ", Enumerable.Range(0, regs.Length).Select(i => $"tdC{n.C + i}"));
        for (int kk = 0; kk < steps; kk++)
        {
            // scale-d: 0 where the Dot starts from zero (its first step of k, no accumulator), d = a·b without reading d.
            string scaleD = dot.First && kk == 0 && dot.Op.Acc is null ? "0" : "1";
            // Descriptor addresses count 16-byte units. tf32 takes no transpose flags (both operands are K-major); a
            // from registers only b's.
            int bStep = t.B.SwizzledK(mma.KStep * kk) * bytes / 16;
            string b = bStep == 0 ? bAt : $"{bAt} + {bStep}";
            string shape = $"wgmma.mma_async.sync.aligned.m64n{mma.WarpN}k{mma.KStep}.f32.{type}.{type} {{{accumulators}}}";
            if (dot.ARegisters is not null)
            {
                string fragments = string.Join(", ", Enumerable.Range(0, 4).Select(j => $"tdA{n.RegisterA + 4 * kk + j}"));
                w.Line(target.Ptx($"{shape}, {{{fragments}}}, %0, {scaleD}, 1, 1, {(t.B.KMajor ? 0 : 1)};", b));
                continue;
            }
            int aStep = t.A.SwizzledK(mma.KStep * kk) * bytes / 16;
            string transpose = mma.Tf32 ? "" : $", {(t.A.KMajor ? 0 : 1)}, {(t.B.KMajor ? 0 : 1)}";
            w.Line(target.Ptx($"{shape}, %0, %1, {scaleD}, 1, 1{transpose};", aStep == 0 ? aAt : $"{aAt} + {aStep}", b));
        }
        w.Line(target.Ptx("wgmma.commit_group.sync.aligned;"));
        // In a pipelined loop whose accumulators stay in the PTX registers, the chunk runs on while the iteration goes
        // on: waiting for the one before it, then a barrier (every warpgroup done with it), frees the stage the
        // pipeline's copies after this Dot write. The loop waits for the last one after it ends.
        bool deferred = dot.Deferrable && residentDots.Contains(dot.Op.Id);
        w.Line(target.Ptx($"wgmma.wait_group.sync.aligned {(deferred ? 1 : 0)};"));
        if (deferred)
        {
            w.Line(target.Barrier);
            wgmmaInFlight = true;
        }
        w.Close();

        w.Open("else");
        string arena = Arena(t.Element);
        string bfloat16 = Bool(mma.Input == IR.ElementType.BFloat16);
        for (int r = 0; r < regs.Length; r++)
            w.Line(mma.Tf32
                ? $"{regs[r]} = TileMma.SwizzledDotTf32({arena}, {aStart}, {t.A.Rows}, {Coordinate(dot.Part, 0, r)}, {bStart}, {t.B.Rows}, {Coordinate(dot.Part, 1, r)}, {t.Chunk}, {regs[r]});"
                : $"{regs[r]} = TileMma.SwizzledDot({arena}, {aStart}, {t.A.Rows}, {Bool(t.A.KMajor)}, {Coordinate(dot.Part, 0, r)}, "
                    + $"{bStart}, {t.B.Rows}, {Bool(t.B.KMajor)}, {Coordinate(dot.Part, 1, r)}, {t.Chunk}, {bfloat16}, {regs[r]});");
        w.Close();

        if (dot.Last && !residentDots.Contains(dot.Op.Id)) MmaOut(n, regs);
    }

    /// <summary>
    /// a's registers (<see cref="DDot.ARegisters"/>, each a 16-bit value held as a float) packed into the PTX fragment
    /// registers of wgmma's register form, 4 per step of k: fragment j of step kk is registers 8kk + 2j (low half) and
    /// 8kk + 2j + 1 (high half), which <c>cvt.rn.bf16x2.f32</c> (<c>f16x2</c>) packs exactly (they are 16-bit values).
    /// Where a is a cast of floats (<c>p.To&lt;BFloat16&gt;()</c>), the floats are packed instead: <c>cvt.rn</c> rounds
    /// them to nearest even as the cast does, in the same instruction (the cast's own registers then serve only the
    /// CPU's emulation; a NaN's payload, which the cast keeps and cvt does not, cannot change a product's NaN).
    /// </summary>
    private void PackFragments(DDot dot, MmaNames n, int steps)
    {
        int a = program.Values[dot.Op.A] is IR.CastOp cast && program.Values[cast.Source].Type.Element == IR.ElementType.Float
            && registers.ContainsKey((cast.Source, dot.ARegisters!)) ? cast.Source : dot.Op.A;
        if (n.RegisterA < 0)
        {
            n.RegisterA = ptxA;
            ptxA += 4 * steps;
            CheckPtxRegisters();
        }
        string convert = dot.Tiling.Mma!.Input == IR.ElementType.BFloat16 ? "cvt.rn.bf16x2.f32" : "cvt.rn.f16x2.f32";
        for (int kk = 0; kk < steps; kk++)
        {
            var inputs = Enumerable.Range(0, 8).Select(r => Operand(a, dot.ARegisters!, 8 * kk + r)).ToArray();
            w.Line(target.Ptx(string.Join(" ", Enumerable.Range(0, 4).Select(j => $"{convert} tdA{n.RegisterA + 4 * kk + j}, %{2 * j + 1}, %{2 * j};")), inputs));
        }
    }
}
