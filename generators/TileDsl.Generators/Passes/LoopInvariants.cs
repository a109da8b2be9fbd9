using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Loop-invariant code motion, innermost loops first. A tile computed register by register from values that do not
/// change in the loop (the row masks and row offsets of a matmul's tiles) moves in front of the loop. So does a local
/// store whose value does not change in the loop, into a buffer that nothing else writes (a Dot operand read in every
/// iteration, such as the queries of flash attention); the allocation then keeps that buffer for the whole loop: one
/// store at a time, and only while the shared memory stays within the budget: 48 KiB of static shared memory, or, for
/// a program whose shared memory is dynamic (tensor cores, pipelines), as much as leaves the number of its instances
/// that fit on a multiprocessor at once as it was, or as its registers allow anyway if that is fewer, taking at least
/// 128 registers a thread (as the tensor-core kernels do): a store hoisted out of a loop saves its stores and a barrier
/// per iteration, not worth fewer programs in flight.
/// </summary>
internal static class LoopInvariants
{
    public static void Run(DistributedProgram program, bool dynamicShared)
    {
        var writers = program.All.SelectMany(s => s.Accesses.Where(a => a.Write).Select(a => (a.Buffer, s)))
            .GroupBy(w => w.Buffer).ToDictionary(g => g.Key, g => g.Count());
        int budget = dynamicShared
            ? KeepingOccupancy(SharedAllocation.Bytes(SharedAllocation.Run(program)), program.NumThreads)
            : TileKernelGenerator.SharedMemoryBudget;
        Hoist(program, program.Body, writers, budget);
    }

    /// <summary>The most bytes a program of <paramref name="threads"/> may take and still fit on a multiprocessor as
    /// many times as with <paramref name="bytes"/>, or as 128 registers a thread allow if that is fewer.</summary>
    private static int KeepingOccupancy(int bytes, int threads)
    {
        const int perProgram = TileKernelGenerator.SharedMemoryReservedPerProgram, multiprocessor = TileKernelGenerator.SharedMemoryPerMultiprocessor;
        const int registers = 64 * 1024, registersPerThread = 128;
        int programs = System.Math.Min(multiprocessor / (bytes + perProgram), registers / (registersPerThread * threads));
        return System.Math.Min(TileKernelGenerator.DynamicSharedMemoryBudget, multiprocessor / System.Math.Max(1, programs) - perProgram);
    }

    private static void Hoist(DistributedProgram program, List<DStatement> body, Dictionary<SharedBuffer, int> writers, int budget)
    {
        for (int i = 0; i < body.Count; i++)
        {
            if (body[i] is not DLoop loop) continue;
            Hoist(program, loop.Body, writers, budget);
            var defined = new HashSet<(int, LinearLayout?)>(Defined(loop.Body));
            foreach (var arg in loop.Loop.Args.Select((a, k) => (a.Id, loop.Carried[k]))) defined.Add(arg);
            if (loop.Loop.Range is { } range) defined.Add((range.Index.Id, null));
            foreach (var define in loop.Body.OfType<DDefine>().Where(d => d.Layout is not null && d.Op is not IR.LoadOp).ToList())
            {
                if (define.Op.Operands.Any(o => program.Values[o].Type.IsScalar
                    ? defined.Contains((o, null))
                    : DefinedInside(program, defined, o, define.Layout!.Project(program.Values[o].Type.Shape).Layout))) continue;
                loop.Body.Remove(define);
                body.Insert(i++, define);
                defined.Remove((define.Op.Id, define.Layout));
            }
            foreach (var store in loop.Body.OfType<DLocalStore>().ToList())
            {
                if (writers[store.Buffer] != 1 || DefinedInside(program, defined, store.Value, store.Layout)) continue;
                int at = loop.Body.IndexOf(store);
                loop.Body.RemoveAt(at);
                body.Insert(i, store);
                if (SharedAllocation.Bytes(SharedAllocation.Run(program)) <= budget)
                {
                    i++;
                    continue;
                }
                body.RemoveAt(i);
                loop.Body.Insert(at, store);
            }
        }
    }

    /// <summary>Whether the registers of value <paramref name="id"/> in <paramref name="layout"/> (through views; a
    /// scalar's own) are defined in the loop.</summary>
    private static bool DefinedInside(DistributedProgram program, HashSet<(int, LinearLayout?)> defined, int id, LinearLayout layout)
        => program.Values[id] switch
        {
            IR.ExpandDimsOp expand => DefinedInside(program, defined, expand.Source, layout.Slice(expand.Axis).Layout),
            IR.TransOp trans => DefinedInside(program, defined, trans.Source, layout.Transpose()),
            IR.BroadcastOp broadcast => DefinedInside(program, defined, broadcast.Source, layout.Project(program.Values[broadcast.Source].Type.Shape).Layout),
            IR.PointerOp pointer => DefinedInside(program, defined, pointer.Offsets, layout),
            _ => defined.Contains((id, layout)),
        };

    /// <summary>The (value, layout) registers that statements define.</summary>
    private static IEnumerable<(int, LinearLayout?)> Defined(IEnumerable<DStatement> body)
    {
        foreach (var statement in DistributedProgram.Flatten(body))
        {
            switch (statement)
            {
                case DDefine define:
                    yield return (define.Op.Id, define.Layout);
                    break;
                case DLocalLoad load:
                    foreach (int id in TupleGroup.Defined(load.Op)) // a tuple scan's results
                        yield return (id, load.Op.Type.IsScalar ? null : load.Layout); // a scalar atomic's old value
                    break;
                case DStore { Result: { } old, Broadcast: null } store:
                    yield return (old.Id, store.Layout);
                    break;
                case DDotInit init:
                    yield return (init.Op.Id, init.Home);
                    yield return (init.Op.Id, init.Part);
                    break;
                case DReduce reduce:
                    foreach (int id in TupleGroup.Defined(reduce.Op)) yield return (id, reduce.Home.Rank == 0 ? null : reduce.Home);
                    break;
                case DLoop loop:
                    foreach (var (value, k) in loop.Loop.Args.Concat(loop.Loop.Results).Select((v, k) => (v.Id, k % loop.Loop.Args.Count)))
                        yield return (value, loop.Carried[k]);
                    break;
            }
        }
    }
}
