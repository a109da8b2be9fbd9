using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>AtomicMax, AtomicMin, AtomicXchg and AtomicCas (Triton's atomic_max, atomic_min, atomic_xchg, atomic_cas),
/// on tile pointers and on single pointers, contending across programs.</summary>
public static partial class AtomicKernels
{
    /// <summary>
    /// A histogram of per-bucket extremes: each element x[i] (i &lt; n) with x[i] &gt; cut goes to bucket[i]; the
    /// bucket's float max and min, its int max of key[i], and its count are kept with atomics. Elements at or below
    /// the cut and lanes past n change nothing.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Buckets(Ptr<float> x, Ptr<int> bucket, Ptr<int> key, Ptr<float> maxOut, Ptr<float> minOut, Ptr<int> keyMax,
        Ptr<int> keyMin, Ptr<int> count, int n, float cut, [Constexpr(64)] int B)
    {
        var offs = ProgramId(0) * B + Arange(0, B);
        var inside = offs < n;
        var v = Load(x + offs, inside);
        var b = Load(bucket + offs, inside);
        var k = Load(key + offs, inside);
        var on = inside & (v > cut);
        AtomicMax(maxOut + b, v, on);
        AtomicMin(minOut + b, v, on);
        AtomicMax(keyMax + b, k, on);
        AtomicMin(keyMin + b, k, on);
        AtomicAdd(count + b, Full(B, 1), on);
    }

    /// <summary>
    /// Single-pointer atomics, once per program: counter += 1, best = max(best, score(pid)), worst = min(worst,
    /// score(pid)) in double, last = pid (exchange), owner = pid + 1 if still 0 (compare-and-swap: the first program
    /// to get there wins); under a runtime if, the even programs add 1 to <paramref name="evens"/>.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Scalars(Ptr<int> counter, Ptr<int> best, Ptr<double> worst, Ptr<int> last, Ptr<int> owner, Ptr<int> evens)
    {
        int pid = ProgramId(0);
        int score = pid * 7 % 11;
        AtomicAdd(counter, 1, AtomicSem.Relaxed); // a sem where a tile atomic takes its mask
        AtomicMax(best, score, scope: AtomicScope.Cta);
        AtomicMin(worst, score * 0.5, AtomicSem.Release, AtomicScope.Gpu);
        AtomicXchg(last, pid, AtomicSem.Acquire);
        AtomicCas(owner, 0, pid + 1, sem: AtomicSem.AcqRel);
        if (pid % 2 == 0)
        {
            AtomicAdd(evens, 1);
        }
    }

    /// <summary>
    /// Tile compare-and-swap and exchange: each program claims the slots (offs mod m) still 0 in <paramref name="owner"/>
    /// with pid + 1, and writes pid into <paramref name="last"/> at the slots where (slot + pid) mod 3 != 0; float
    /// slots of <paramref name="flags"/> equal to 0 become pid + 0.5.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Claims(Ptr<int> owner, Ptr<int> last, Ptr<float> flags, int m, [Constexpr(32)] int B)
    {
        int pid = ProgramId(0);
        var slot = (pid * B + Arange(0, B)) % m;
        AtomicCas(owner + slot, Zeros<int>(B), Full(B, pid + 1));
        AtomicXchg(last + slot, Full(B, pid), (slot + pid) % 3 != 0);
        AtomicCas(flags + slot, Zeros<float>(B), Full(B, pid + 0.5f));
    }

    /// <summary>
    /// The atomics as expressions, returning the old values (Triton's tl.atomic_*), on 128 threads: a block of B = 64
    /// (replicated twice over the threads: the old values come back through shared memory) or 256 elements (in
    /// registers). Over i &lt; n: sums[i] += x[i], highs[i] = max(highs[i], x[i]), lows[i] = min(lows[i], x[i]),
    /// swapped[i] = -x[i], and slots[i] = 7 where it equals i % 2 (compare-and-swap; lanes past n compare slot n
    /// with -1); each old value goes to its own
    /// output at i (all lanes of the block: masked ones hold 0). Each program also takes a ticket (the old value of
    /// counter += 1, once per program) and writes ticket + lane into tickets, so every thread must have it.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void OldValues(Ptr<float> x, Ptr<float> sums, Ptr<float> highs, Ptr<float> lows, Ptr<float> swapped, Ptr<int> slots,
        Ptr<float> oldSums, Ptr<float> oldHighs, Ptr<float> oldLows, Ptr<float> oldSwapped, Ptr<int> oldSlots, Ptr<int> counter,
        Ptr<int> tickets, int n, [Constexpr(64, 256)] int B)
    {
        int pid = ProgramId(0);
        var offs = pid * B + Arange(0, B);
        var inside = offs < n;
        var v = Load(x + offs, inside);
        // Each sem and scope once (the results do not depend on them: one lane per address).
        Store(oldSums + offs, AtomicAdd(sums + offs, v, inside, AtomicSem.Relaxed));
        var high = AtomicMax(highs + offs, v, inside, AtomicSem.Acquire, AtomicScope.Cta);
        Store(oldHighs + offs, high);
        Store(oldLows + offs, AtomicMin(lows + offs, v, inside, sem: AtomicSem.Release) * 2f);
        Store(oldSwapped + offs, AtomicXchg(swapped + offs, -v, inside, scope: AtomicScope.Gpu));
        Store(oldSlots + offs, AtomicCas(slots + Where(inside, offs, n), Where(inside, offs % 2, -1), Full(B, 7), AtomicSem.AcqRel, AtomicScope.Cta)); // lanes past n: slot n, never equal to -1
        int ticket = AtomicAdd(counter, 1, AtomicSem.AcqRel);
        Store(tickets + offs, Arange(0, B) + ticket * 1000);
    }

    /// <summary>
    /// The last program to arrive sums the others' partial sums (Triton's split-k "last block" pattern): each program
    /// stores the sum of its block of x (i &lt; n) into partials[pid], then takes a ticket with an acquire-release
    /// AtomicAdd; the one holding the last ticket reads every partial (the release of each earlier program's ticket
    /// and its own acquire make them visible) and stores their sum into total. At most 64 programs.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void LastArrival(Ptr<int> x, Ptr<int> partials, Ptr<int> arrivals, Ptr<int> total, int n, [Constexpr(32)] int B)
    {
        int pid = ProgramId(0);
        int programs = NumPrograms(0);
        var offs = pid * B + Arange(0, B);
        Store(partials + pid, Sum(Load(x + offs, offs < n)));
        int ticket = AtomicAdd(arrivals, 1, AtomicSem.AcqRel, AtomicScope.Gpu);
        if (ticket == programs - 1)
        {
            var p = Arange(0, 64);
            Store(total, Sum(Load(partials + p, p < programs)));
        }
    }
}
