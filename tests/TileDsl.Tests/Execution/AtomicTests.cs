using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// AtomicMax, AtomicMin, AtomicXchg, AtomicCas and scalar-pointer atomics: many programs contending on few
/// addresses, masked lanes, against references in double/long. The interpreter runs programs in order, so its
/// exchange and compare-and-swap results are exact; on the CPU accelerator they must be one of the allowed winners.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class AtomicTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Bucket_max_min_and_count_match_reference(Runner runner)
    {
        const int n = 301, buckets = 7, B = 64; // 5 programs, the last ragged; bucket 6 gets nothing
        const float cut = -0.5f;
        var random = new Random(61);
        var x = Reference.RandomFloats(random, n);
        var bucket = Enumerable.Range(0, n).Select(_ => random.Next(buckets - 1)).ToArray();
        var key = Enumerable.Range(0, n).Select(_ => random.Next(-1000, 1000)).ToArray();
        var maxOut = Reference.Poisoned(buckets, float.NegativeInfinity);
        var minOut = Reference.Poisoned(buckets, float.PositiveInfinity);
        var keyMax = Reference.Poisoned(buckets, int.MinValue);
        var keyMin = Reference.Poisoned(buckets, int.MaxValue);
        var count = new int[buckets];
        int programs = Tl.Cdiv(n, B);
        if (runner == Runner.Interpreter)
        {
            AtomicKernels.BucketsKernel.Interpret(programs, x, bucket, key, maxOut, minOut, keyMax, keyMin, count, n, cut, B);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            AtomicKernels.BucketsKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(bucket), d.View(key), d.View(maxOut),
                d.View(minOut), d.View(keyMax), d.View(keyMin), d.View(count), n, cut, B);
            d.CopyBack();
        }

        for (int j = 0; j < buckets; j++)
        {
            var members = Enumerable.Range(0, n).Where(i => bucket[i] == j && x[i] > cut).ToArray();
            Assert.Equal(members.Length, count[j]);
            Assert.Equal(members.Length == 0 ? double.NegativeInfinity : members.Max(i => (double)x[i]), maxOut[j]);
            Assert.Equal(members.Length == 0 ? double.PositiveInfinity : members.Min(i => (double)x[i]), minOut[j]);
            Assert.Equal(members.Length == 0 ? int.MinValue : members.Max(i => (long)key[i]), keyMax[j]);
            Assert.Equal(members.Length == 0 ? int.MaxValue : members.Min(i => (long)key[i]), keyMin[j]);
        }
        Assert.Equal(0, count[buckets - 1]);
        Assert.True(count.Sum() < n, "the cut masks some elements off");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Scalar_pointer_atomics_run_once_per_program(Runner runner)
    {
        const int programs = 13;
        var counter = new int[1];
        var best = Reference.Poisoned(1, int.MinValue);
        var worst = Reference.Poisoned(1, double.PositiveInfinity);
        var last = Reference.Poisoned(1, -1);
        var owner = new int[1];
        var evens = new int[1];
        if (runner == Runner.Interpreter)
        {
            AtomicKernels.ScalarsKernel.Interpret(programs, counter, best, worst, last, owner, evens);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            AtomicKernels.ScalarsKernel.Launch(cpu.Accelerator, programs, d.View(counter), d.View(best), d.View(worst), d.View(last), d.View(owner), d.View(evens));
            d.CopyBack();
        }
        var scores = Enumerable.Range(0, programs).Select(p => p * 7 % 11).ToArray();
        Assert.Equal(programs, counter[0]); // one add per program, not one per thread
        Assert.Equal((programs + 1) / 2, evens[0]); // only where the runtime if holds
        Assert.Equal(scores.Max(), best[0]);
        Assert.Equal(scores.Min() * 0.5, worst[0]);
        if (runner == Runner.Interpreter)
        {
            Assert.Equal(programs - 1, last[0]); // programs run in order: the last exchange wins
            Assert.Equal(1, owner[0]);            // and program 0 is the first to swap
        }
        else
        {
            Assert.InRange(last[0], 0, programs - 1);
            Assert.InRange(owner[0], 1, programs);
        }
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Tile_compare_and_swap_and_exchange_keep_a_writer_that_touched_the_slot(Runner runner)
    {
        const int m = 40, programs = 3, B = 32;
        // Slots taken before launch (owner -5, flags -1): the compare fails there and they must stay.
        var owner = Enumerable.Range(0, m).Select(s => s % 7 == 0 ? -5 : 0).ToArray();
        var last = Reference.Poisoned(m, int.MinValue);
        var flags = Enumerable.Range(0, m).Select(s => s % 5 == 0 ? -1f : 0f).ToArray();
        if (runner == Runner.Interpreter)
        {
            AtomicKernels.ClaimsKernel.Interpret(programs, owner, last, flags, m, B);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            AtomicKernels.ClaimsKernel.Launch(cpu.Accelerator, programs, d.View(owner), d.View(last), d.View(flags), m, B);
            d.CopyBack();
        }
        for (int s = 0; s < m; s++)
        {
            var touchers = Enumerable.Range(0, programs).Where(p => Enumerable.Range(p * B, B).Any(o => o % m == s)).ToArray();
            var writers = touchers.Where(p => (s + p) % 3 != 0).ToArray();
            if (s % 7 == 0) Assert.Equal(-5, owner[s]);
            else if (runner == Runner.Interpreter) Assert.Equal(touchers.Min() + 1, owner[s]);
            else Assert.Contains(owner[s] - 1, touchers);
            if (s % 5 == 0) Assert.Equal(-1f, flags[s]);
            else if (runner == Runner.Interpreter) Assert.Equal(touchers.Min() + 0.5f, flags[s]);
            else Assert.Contains(flags[s] - 0.5f, touchers.Select(p => (float)p));
            if (writers.Length == 0) Assert.Equal(int.MinValue, last[s]);
            else if (runner == Runner.Interpreter) Assert.Equal(writers.Max(), last[s]);
            else Assert.Contains(last[s], writers);
        }
    }

    [Theory]
    [InlineData(Runner.Interpreter, 64)]
    [InlineData(Runner.CpuAccelerator, 64)]  // 64 elements on 128 threads: the old values come back through shared memory
    [InlineData(Runner.CpuAccelerator, 256)] // 256 on 128: in the registers of the atomics
    public void Atomics_return_the_old_values_and_zero_where_masked(Runner runner, int block)
    {
        const int n = 300;
        int programs = Tl.Cdiv(n, block), size = programs * block;
        var random = new Random(67);
        var x = Reference.RandomFloats(random, n);
        var sums = Reference.RandomFloats(random, n);
        var highs = Reference.RandomFloats(random, n);
        var lows = Reference.RandomFloats(random, n);
        var swapped = Reference.RandomFloats(random, n);
        var slots = Enumerable.Range(0, n).Select(_ => random.Next(2)).Append(5).ToArray(); // slot n: 5, the lanes past n
        var (sums0, highs0, lows0, swapped0, slots0) = ((float[])sums.Clone(), (float[])highs.Clone(), (float[])lows.Clone(), (float[])swapped.Clone(), (int[])slots.Clone());
        var olds = Enumerable.Range(0, 4).Select(_ => Reference.Poisoned(size, float.NaN)).ToArray();
        var oldSlots = Reference.Poisoned(size, int.MinValue);
        var counter = new int[1];
        var tickets = Reference.Poisoned(size, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            AtomicKernels.OldValuesKernel.Interpret(programs, x, sums, highs, lows, swapped, slots, olds[0], olds[1], olds[2], olds[3], oldSlots, counter, tickets, n, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            AtomicKernels.OldValuesKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(sums), d.View(highs), d.View(lows), d.View(swapped),
                d.View(slots), d.View(olds[0]), d.View(olds[1]), d.View(olds[2]), d.View(olds[3]), d.View(oldSlots), d.View(counter), d.View(tickets), n, block);
            d.CopyBack();
        }

        // Every address is touched by one lane of one program: the old values are the initial contents, exactly.
        for (int i = 0; i < size; i++)
        {
            bool inside = i < n;
            Assert.Equal(inside ? sums0[i] : 0f, olds[0][i]);
            Assert.Equal(inside ? highs0[i] : 0f, olds[1][i]);
            Assert.Equal(inside ? lows0[i] * 2f : 0f, olds[2][i]);
            Assert.Equal(inside ? swapped0[i] : 0f, olds[3][i]);
            Assert.Equal(inside ? slots0[i] : 5, oldSlots[i]);
        }
        for (int i = 0; i < n; i++)
        {
            Assert.Equal((float)((double)sums0[i] + x[i]), sums[i]); // one float addition: the exact sum rounded once
            Assert.Equal(Math.Max(highs0[i], x[i]), highs[i]);
            Assert.Equal(Math.Min(lows0[i], x[i]), lows[i]);
            Assert.Equal(-x[i], swapped[i]);
            Assert.Equal(slots0[i] == i % 2 ? 7 : slots0[i], slots[i]);
        }
        Assert.Equal(5, slots[n]);

        // Each program took one ticket (the counter's old value) and every thread of it saw the same one.
        Assert.Equal(programs, counter[0]);
        var taken = Enumerable.Range(0, programs).Select(p => tickets[p * block] / 1000).ToArray();
        Assert.Equal(Enumerable.Range(0, programs), taken.OrderBy(t => t));
        if (runner == Runner.Interpreter) Assert.Equal(Enumerable.Range(0, programs), taken); // programs run in order
        for (int i = 0; i < size; i++) Assert.Equal(taken[i / block] * 1000 + i % block, tickets[i]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void The_last_program_to_take_an_acquire_release_ticket_sees_every_partial(Runner runner)
    {
        const int n = 300, block = 32;
        int programs = Tl.Cdiv(n, block);
        var x = Enumerable.Range(0, n).Select(i => i * 37 % 101 - 50).ToArray();
        var partials = Reference.Poisoned(programs, int.MinValue);
        var arrivals = new int[1];
        var total = Reference.Poisoned(1, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            AtomicKernels.LastArrivalKernel.Interpret(programs, x, partials, arrivals, total, n, block);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            AtomicKernels.LastArrivalKernel.Launch(cpu.Accelerator, programs, d.View(x), d.View(partials), d.View(arrivals), d.View(total), n, block);
            d.CopyBack();
        }
        Assert.Equal(programs, arrivals[0]);
        Assert.Equal(Enumerable.Range(0, programs).Select(p => x.Skip(p * block).Take(block).Sum()), partials);
        Assert.Equal(x.Sum(), total[0]); // written once, by the last arrival, from every partial
    }
}
