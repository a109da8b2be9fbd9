using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Emit: writes one specialization, from its distributed IR, as an explicitly grouped ILGPU kernel. Each tile value
/// becomes scalar locals, one per register of its layout, fully unrolled; scalars stay scalar. The per-op emitters
/// (the other parts of this class, one concern per file) read only what the passes decided; spellings come from the
/// <see cref="Target"/>.
/// </summary>
internal sealed partial class KernelEmitter
{
    private CodeWriter w;
    private readonly DistributedProgram program;
    private readonly KernelSignature signature;
    private readonly Dictionary<ElementType, int> arenas;
    private readonly Target target = Target.Ilgpu;
    private readonly Names names;
    private readonly int numThreads;
    private readonly string tid;

    /// <summary>Whether the program has Dots on <c>wgmma</c> (its barriers fence the async proxy first).</summary>
    private readonly bool wgmma;

    private KernelEmitter(CodeWriter body, DistributedProgram program, KernelSignature signature, Dictionary<ElementType, int> arenas)
    {
        w = body;
        this.program = program;
        this.signature = signature;
        this.arenas = arenas;
        numThreads = program.NumThreads;
        names = new Names(signature.Reserved);
        tid = names.Unique("tid");
        wgmma = UsesWgmma(program);
    }

    public static void Emit(CodeWriter output, DistributedProgram program, KernelSignature signature, Dictionary<ElementType, int> arenas, string methodName)
    {
        var body = new CodeWriter(output.Depth + 1);
        var emitter = new KernelEmitter(body, program, signature, arenas);
        emitter.Statements(program.Body);

        output.Open($"private static void {methodName}({string.Join(", ", signature.Parameters().Select(p => p.Type + " " + p.Name))})");
        if (signature.PacksScalars)
            foreach (var (type, name) in signature.PackedFields()) output.Line($"{type} {name} = {signature.ScalarsArgument}.{name};");
        output.Line($"int {emitter.tid} = {emitter.target.ThreadIndex};");
        emitter.Header(output);
        output.Append(body);
        output.Close();
    }

    /// <summary>What the body needed declared first: thread coordinates, shared arenas and vector views.</summary>
    private void Header(CodeWriter output)
    {
        foreach (var run in runs.OrderBy(r => r.Key.Shift).ThenBy(r => r.Key.Count))
            output.Line($"int {run.Value} = {RunExpression(run.Key.Shift, run.Key.Count)};");
        foreach (var constant in threadConstants)
            output.Line($"int {constant.Value} = {constant.Key};");
        if (sharedAddress is null)
        {
            foreach (var arena in arenaNames.OrderBy(a => a.Key))
                output.Line($"var {arena.Value} = {target.AllocateShared(arena.Key, arenas[arena.Key])};");
        }
        else
        {
            // Tensor cores read shared memory by address: the arenas lie, in order, in the dynamic shared memory.
            string bytes = names.Unique("sharedBytes");
            output.Line($"var {bytes} = {target.DynamicShared};");
            foreach (var arena in arenas.OrderBy(a => a.Key))
            {
                if (arenaNames.TryGetValue(arena.Key, out var name)) output.Line($"var {name} = {target.SharedArena(bytes, ArenaOffset(arena.Key), arena.Key, arena.Value)};");
            }
            output.Line($"uint {sharedAddress} = TileMma.SharedAddress();");
            foreach (var address in arenaAddresses.OrderBy(a => a.Key))
                output.Line($"uint {address.Value} = {sharedAddress} + {ArenaOffset(address.Key)};");
        }
        foreach (var view in vectorViews.OrderBy(v => v.Value, System.StringComparer.Ordinal))
            output.Line($"var {view.Value} = {target.VectorView(view.Key.View, view.Key.Element, view.Key.Width)};");
        foreach (var flag in alignedFlags.OrderBy(f => f.Key))
            output.Line($"bool {flag.Value} = ({signature.AlignedViews} & {1 << flag.Key}) != 0;");
    }

    /// <summary>Bytes into the dynamic shared memory where an arena starts (the arenas follow one another by element type).</summary>
    private int ArenaOffset(ElementType element) => arenas.Where(a => a.Key < element).Sum(a => a.Value * ElementTypes.Of(a.Key).Bytes);

    /// <summary>The address locals of arenas that do not start the dynamic shared memory.</summary>
    private readonly Dictionary<ElementType, string> arenaAddresses = new();

    /// <summary>The shared-memory address of an arena's first element, for PTX (cp.async, ldmatrix, wgmma descriptors):
    /// <see cref="TileMma.SharedAddress"/>, the dynamic shared memory's, plus the arena's offset in it.</summary>
    private string ArenaAddress(ElementType element)
    {
        sharedAddress ??= names.Unique("sharedAddress");
        if (ArenaOffset(element) == 0) return sharedAddress;
        if (!arenaAddresses.TryGetValue(element, out var name)) arenaAddresses[element] = name = names.Unique("shared" + element + "Address");
        return name;
    }

    private void Statements(IEnumerable<DStatement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case DDefine { Layout: null } define:
                    Scalar(define.Op);
                    break;
                case DDefine define:
                    Tile(define);
                    break;
                case DLoadMerge merge:
                    LoadMerge(merge);
                    break;
                case DStore store:
                    Store(store);
                    break;
                case DLocalStore { EmulationOnly: true } store:
                    w.Open($"if (!{target.IsCuda})");
                    LocalStore(store);
                    w.Close();
                    break;
                case DLocalStore store:
                    LocalStore(store);
                    break;
                case DLocalLoad load:
                    LocalLoad(load);
                    break;
                case DBarrier { EmulationOnly: true }:
                    w.Line($"if (!{target.IsCuda}) {target.Barrier}");
                    break;
                case DBarrier:
                    // wgmma reads shared memory through the async proxy: the threads' own writes before it first.
                    if (wgmma) w.Line($"if ({target.IsCuda}) {target.Ptx("fence.proxy.async.shared::cta;")}");
                    w.Line(target.Barrier);
                    break;
                case DDotInit init:
                    DotInit(init);
                    break;
                case DDot dot:
                    DotSteps(dot);
                    break;
                case DDotSum sum:
                    DotSum(sum);
                    break;
                case DReduce reduce:
                    Reduce(reduce);
                    break;
                case DReducePartials partials:
                    ReducePartials(partials);
                    break;
                case DReduceCombine combine:
                    ReduceCombine(combine);
                    break;
                case DLoop loop:
                    RuntimeLoop(loop);
                    break;
                case DAsyncCopy copy:
                    AsyncCopy(copy);
                    break;
                case DAsyncCommit:
                    AsyncCommit();
                    break;
                case DAsyncWait wait:
                    AsyncWait(wait);
                    break;
            }
        }
    }

    private void RuntimeLoop(DLoop dloop)
    {
        var loop = dloop.Loop;
        var carried = new List<(string[] Targets, LinearLayout? Layout)>();
        for (int k = 0; k < loop.Args.Count; k++)
        {
            var arg = loop.Args[k];
            var layout = dloop.Carried[k];
            if (layout is null)
            {
                string name = names.Unique(arg.Name);
                w.Line($"{CsType(arg)} {name} = {Scalar(loop.Inits[k])};");
                scalars[arg.Id] = scalars[loop.Results[k].Id] = name;
                carried.Add((new[] { name }, null));
                continue;
            }
            var regs = Registers(arg, layout);
            registers[(loop.Results[k].Id, layout)] = regs;
            for (int r = 0; r < layout.RegisterCount; r++)
                w.Line($"{CsType(arg)} {regs[r]} = {Operand(loop.Inits[k], layout, r)};");
            carried.Add((regs, layout));
        }

        var resident = ResidentAccumulators(dloop, carried);
        // A while loop runs while its first carried value, the condition, holds.
        string header = loop.Range is { } range ? For(range) : $"while ({carried[0].Targets[0]})";
        var outerStages = (stageRead, stageWrite);
        if (loop.Stages > 0) OpenStages(loop.Stages);
        w.Open(header);
        bool outerInFlight = wgmmaInFlight;
        wgmmaInFlight = false;
        Statements(dloop.Body);

        var updates = new List<(string Target, string Source)>();
        for (int k = 0; k < carried.Count; k++)
        {
            var (targets, layout) = carried[k];
            if (layout is null) updates.Add((targets[0], Scalar(loop.Yields[k])));
            else for (int r = 0; r < layout.RegisterCount; r++) updates.Add((targets[r], Operand(loop.Yields[k], layout, r)));
        }
        Yield(updates);
        if (loop.Stages > 0) NextStages(loop.Stages);
        w.Close();
        (stageRead, stageWrite) = outerStages;
        if (wgmmaInFlight) w.Line($"if ({target.IsCuda}) {target.Ptx("wgmma.wait_group.sync.aligned 0;")}");
        wgmmaInFlight = outerInFlight;
        foreach (var (mma, regs) in resident) MmaOut(mma, regs);
    }

    private string For(LoopRange range)
    {
        string index = names.Unique(range.Index.Name);
        scalars[range.Index.Id] = index;
        string step = Scalar(range.Step);
        return $"for (int {index} = {Scalar(range.Start)}; {index} {(range.Inclusive ? "<=" : "<")} {Scalar(range.End)}; {(step == "1" ? index + "++" : $"{index} += {step}")})";
    }

    /// <summary>Assigns the next iteration's values; through temporaries when one update reads another's target.</summary>
    private void Yield(List<(string Target, string Source)> updates)
    {
        updates.RemoveAll(u => u.Target == u.Source);
        var targets = new HashSet<string>(updates.Select(u => u.Target));
        bool clash = updates.Any(u => System.Text.RegularExpressions.Regex.Matches(u.Source, @"[A-Za-z_][A-Za-z0-9_]*").Cast<System.Text.RegularExpressions.Match>()
            .Any(m => targets.Contains(m.Value) && m.Value != u.Target));
        if (!clash)
        {
            foreach (var (t, source) in updates) w.Line($"{t} = {source};");
            return;
        }
        var next = updates.Select(u => names.Unique(u.Target + "Next")).ToList();
        for (int i = 0; i < updates.Count; i++) w.Line($"var {next[i]} = {updates[i].Source};");
        for (int i = 0; i < updates.Count; i++) w.Line($"{updates[i].Target} = {next[i]};");
    }
}
