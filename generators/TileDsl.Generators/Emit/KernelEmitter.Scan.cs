using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Cumsum and Cumprod: after the operand's local store, each register runs over its line of the buffer along the
/// axis, from the line's first element to its own, in order (so that the sums are the interpreter's, bit for bit).
/// O(n) steps per element: meant for the short axes of tiles (Triton porters' cumsum over a block).
/// </summary>
internal sealed partial class KernelEmitter
{
    private void Scan(DLocalLoad load, ScanOp scan)
    {
        var regs = Registers(scan, load.Layout);
        string arena = Arena(load.Buffer.Element);
        int stride = load.Map.Strides[scan.Axis];
        bool sum = scan.Kind == TileOpKind.Cumsum;
        w.Line($"// {Label(scan)}: {scan.Kind} along axis {scan.Axis}, each element from the start of its line");
        for (int r = 0; r < load.Layout.RegisterCount; r++)
        {
            string end = names.Unique(regs[r] + "At");
            string step = names.Unique("s");
            w.Line($"int {end} = {SharedIndex(load.Buffer, load.Layout, load.Map, r, 1)};");
            w.Line($"{CsType(scan)} {regs[r]} = {(sum ? "0" : "1")};");
            w.Line($"for (int {step} = {SharedIndex(load.Buffer, load.Layout, load.Map, r, 1, lineOf: scan.Axis)}; {step} <= {end}; {step} += {stride}) {regs[r]} {(sum ? "+=" : "*=")} {arena}[{step}];");
        }
    }
}
