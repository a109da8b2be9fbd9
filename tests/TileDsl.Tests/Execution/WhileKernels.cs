using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Runtime while and do loops on scalar conditions, with trip counts that depend on the data.</summary>
public static partial class WhileKernels
{
    /// <summary>
    /// Newton's iteration for √a over a block of B elements per program (a ragged last block: its masked lanes hold 1,
    /// already converged), from max(a, 1), until the block's largest relative residual |r² − a| / a is at most tol;
    /// steps[pid] counts the iterations. Two warps: the residual's Max crosses them through shared memory, with barriers
    /// in the loop.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void NewtonSqrt(Ptr<float> a, Ptr<float> root, Ptr<int> steps, int n, float tol, [Constexpr(64)] int B)
    {
        int pid = ProgramId(0);
        var offs = pid * B + Arange(0, B);
        var inside = offs < n;
        var x = Load(a + offs, inside, 1f);
        var r = Maximum(x, 1f);
        int count = 0;
        while (Max(Abs(r * r - x) / x) > tol)
        {
            r = 0.5f * (r + x / r);
            count++;
        }
        Store(root + offs, r, inside);
        Store(steps + pid, count);
    }

    /// <summary>How many halvings take <paramref name="v"/> below <paramref name="threshold"/>: a helper's while loop.</summary>
    [TileFunction]
    private static int Halvings(float v, float threshold)
    {
        float h = v;
        int count = 0;
        while (h >= threshold)
        {
            h *= 0.5f;
            count++;
        }
        return count;
    }

    /// <summary>
    /// Per program p, of v = x[p]: halvings[p] = the halvings of v to below threshold; doubled[p] = v doubled until it
    /// is at least limit when v &gt; 0, else v (a while loop in an if-converted branch: for v ≤ 0 it would not end);
    /// once[p] = the halvings of a do loop, which halves at least once.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Scalars(Ptr<float> x, Ptr<int> halvings, Ptr<float> doubled, Ptr<int> once, float threshold, float limit)
    {
        int pid = ProgramId(0);
        float v = Load(x + pid);
        Store(halvings + pid, Halvings(v, threshold));
        float d = v;
        if (v > 0f)
        {
            while (d < limit) d *= 2f;
        }
        Store(doubled + pid, d);
        float h = v;
        int count = 0;
        do
        {
            h *= 0.5f;
            count++;
        }
        while (h >= threshold);
        Store(once + pid, count);
    }

    /// <summary>
    /// Segment sums: segment p is x[starts[p] .. starts[p + 1]) (empty ones included), walked B elements at a time
    /// by a pointer advanced while start &lt; end, the last block masked.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void SegmentSums(Ptr<float> x, Ptr<int> starts, Ptr<float> sums, [Constexpr(16)] int B)
    {
        int pid = ProgramId(0);
        int start = Load(starts + pid);
        int end = Load(starts + (pid + 1));
        var p = x + start + Arange(0, B);
        var acc = Zeros<float>(B);
        while (start < end)
        {
            acc += Load(p, start + Arange(0, B) < end, 0f);
            p += B;
            start += B;
        }
        Store(sums + pid, Sum(acc));
    }
}
