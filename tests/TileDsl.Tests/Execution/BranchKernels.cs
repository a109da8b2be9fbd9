using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Runtime ifs and early returns (if-converted in the generated code, native C# in the interpreter).</summary>
public static partial class BranchKernels
{
    /// <summary>
    /// Programs from <paramref name="limit"/> on return at once. The others: y = 2·x over their block if its sum is
    /// positive, −x otherwise; flags[pid] = n / pid (−1 for program 0), except program 1, which writes 7 and returns.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Branches(Ptr<float> x, Ptr<float> y, Ptr<int> flags, int n, int limit, [Constexpr(32)] int B)
    {
        int pid = ProgramId(0);
        if (pid >= limit) return;
        var offs = pid * B + Arange(0, B);
        var inside = offs < n;
        var v = Load(x + offs, inside);
        var scaled = v;
        if (Sum(v) > 0f)
        {
            scaled = v * 2f;
        }
        else
        {
            scaled = -v;
        }
        Store(y + offs, scaled, inside);
        int q = -1;
        if (pid > 0) q = n / pid; // divides by 1, not 0, in program 0, where the branch does not apply
        if (pid == 1)
        {
            Store(flags + pid, 7);
            return;
        }
        Store(flags + pid, q);
    }
}
