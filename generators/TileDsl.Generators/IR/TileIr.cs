using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.IR;

/// <summary>
/// An SSA value of the tile IR (the first IR level: target-free, no layouts), typed and checked by Semantics/.
/// <see cref="Name"/> is the C# local it came from, if any (the generated code reuses it).
/// </summary>
internal abstract record Op(int Id, TileType Type)
{
    public string Name { get; init; } = "";

    /// <summary>The values this one reads.</summary>
    public abstract IEnumerable<int> Operands { get; }

    protected static IEnumerable<int> Of(params int?[] ids) => ids.Where(i => i.HasValue).Select(i => i!.Value);
}

/// <summary>A compile-time constant scalar (int, float, double or bool).</summary>
internal sealed record ConstOp(int Id, TileType Type, object Value) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary>A scalar kernel parameter.</summary>
internal sealed record ParamOp(int Id, TileType Type, string Parameter) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary><c>ProgramId(axis)</c>, or <c>NumPrograms(axis)</c> when <see cref="Count"/>.</summary>
internal sealed record ProgramIdOp(int Id, TileType Type, int Axis, bool Count) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary><c>Arange(Start, Start + length)</c>: the 1-D iota.</summary>
internal sealed record ArangeOp(int Id, TileType Type, int Start) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary>A tile filled with the scalar <see cref="Fill"/>.</summary>
internal sealed record FullOp(int Id, TileType Type, int Fill) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Fill);
}

/// <summary>An elementwise op (arithmetic, comparison, logic, math, Where) of operands broadcast to this shape.</summary>
internal sealed record ElementwiseOp(int Id, TileType Type, TileOpKind Kind, EquatableArray<int> Args) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Args;
}

/// <summary>Elementwise conversion of <see cref="Source"/> to this value's element type (C# cast semantics).</summary>
internal sealed record CastOp(int Id, TileType Type, int Source) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Source);
}

/// <summary>A view of the 1-D <see cref="Source"/> with a new axis of size 1 at <see cref="Axis"/>.</summary>
internal sealed record ExpandDimsOp(int Id, TileType Type, int Source, int Axis) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Source);
}

/// <summary>A view of the 2-D <see cref="Source"/> with its axes swapped.</summary>
internal sealed record TransOp(int Id, TileType Type, int Source) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Source);
}

/// <summary>A view of <see cref="Source"/> (of the same rank) repeated along its dimensions of size 1.</summary>
internal sealed record BroadcastOp(int Id, TileType Type, int Source) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Source);
}

/// <summary>The elements of <see cref="Source"/> in row-major order, in another shape of as many (through shared memory).</summary>
internal sealed record ReshapeOp(int Id, TileType Type, int Source) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Source);
}

/// <summary>A view of the int <see cref="Offsets"/> as pointers into the parameter <see cref="TileType.PointerParam"/>.</summary>
internal sealed record PointerOp(int Id, TileType Type, int Offsets) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(Offsets);
}

/// <summary>The elements at <see cref="Pointers"/> where <see cref="Mask"/> holds (all when null), <see cref="Other"/> elsewhere.</summary>
internal sealed record LoadOp(int Id, TileType Type, int Pointers, int? Mask, int Other) : Op(Id, Type)
{
    /// <summary>Set by <c>Passes.Pipelining</c>: the tile arrives in its pipeline's shared buffer by
    /// <see cref="AsyncCopy"/> statements issued iterations ahead, and the Dot reads it there (no registers).</summary>
    public bool Pipelined { get; init; }

    public override IEnumerable<int> Operands => Of(Pointers, Mask, Other);
}

/// <summary>
/// Sum, Max, Min, Argmax, Argmin, or Reduce by <see cref="Combine"/>, of <see cref="Source"/> along
/// <see cref="Axis"/>: the axis removed, or kept with size 1 when <see cref="KeepDims"/>. A rank-0 result is a scalar.
/// </summary>
internal sealed record ReduceOp(int Id, TileType Type, TileOpKind Kind, int Source, int Axis, bool KeepDims) : Op(Id, Type)
{
    /// <summary>Reduce's combiner; null for the other kinds.</summary>
    public Combiner? Combine { get; init; }

    /// <summary>Of a Reduce of several tiles together, the group this value is one result of; <see cref="Source"/> is
    /// then the group's first source, whose layout all the sources are read in.</summary>
    public TupleGroup? Tuple { get; init; }

    public override IEnumerable<int> Operands => Tuple is { } tuple ? tuple.Sources : Of(Source);
}

/// <summary>The inclusive prefix sums (Cumsum), products (Cumprod) or combinations by <see cref="Combine"/>
/// (AssociativeScan) of <see cref="Source"/> along <see cref="Axis"/>; when <see cref="Reverse"/>, the suffix ones, each
/// line combined from its last element toward its first.</summary>
internal sealed record ScanOp(int Id, TileType Type, TileOpKind Kind, int Source, int Axis, bool Reverse) : Op(Id, Type)
{
    /// <summary>AssociativeScan's combiner; null for Cumsum and Cumprod.</summary>
    public Combiner? Combine { get; init; }

    /// <summary>Of an AssociativeScan of several tiles together, the group this value is one result of (as for
    /// <see cref="ReduceOp.Tuple"/>).</summary>
    public TupleGroup? Tuple { get; init; }

    public override IEnumerable<int> Operands => Tuple is { } tuple ? tuple.Sources : Of(Source);
}

/// <summary>
/// Reduce or AssociativeScan of k tiles of one shape together (Triton's tuple operands): k ops, consecutive values,
/// one per result (<see cref="Results"/>, in order), each listing all k <see cref="Sources"/> and the same combiner of
/// 2·k parameters. The lowering computes the k results together once (at the first of them that is read).
/// </summary>
internal sealed record TupleGroup(EquatableArray<int> Sources, EquatableArray<int> Results, int Component)
{
    /// <summary>The values the lowering of <paramref name="op"/> defines: a tuple op's group's results, or itself.</summary>
    public static IEnumerable<int> Defined(Op op) => Of(op) is { } tuple ? tuple.Results : (IEnumerable<int>)new[] { op.Id };

    public static TupleGroup? Of(Op op) => op switch
    {
        ReduceOp reduce => reduce.Tuple,
        ScanOp scan => scan.Tuple,
        _ => null,
    };
}

/// <summary>A parameter of a <see cref="Combiner"/>: <see cref="Index"/> i &lt; k is the left operand's component i, k + i
/// the right one's (Triton's order <c>combine_fn(a0, …, ak-1, b0, …, bk-1)</c>); k = 1 for one tile.</summary>
internal sealed record CombinerParamOp(int Id, TileType Type, int Index) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary>
/// The combiner of Reduce or AssociativeScan: a [TileFunction] method <c>(T a, T b) =&gt; T</c>, or for k tiles
/// reduced together <c>(a0, …, ak-1, b0, …, bk-1) =&gt; (c0, …, ck-1)</c>, inlined as a small program of scalar ops.
/// <see cref="Body"/> computes them (constants, elementwise ops, casts), in order, from <see cref="Params"/>;
/// <see cref="Results"/> are the combination's k components. The emitters write it out at each step.
/// </summary>
internal sealed record Combiner(string Method, EquatableArray<CombinerParamOp> Params, EquatableArray<Op> Body, EquatableArray<int> Results)
{
    /// <summary>How many values are combined together (k).</summary>
    public int Arity => Results.Count;

    /// <summary>Its parameters and ops, which the emitters look up by id.</summary>
    public IEnumerable<Op> Values => Params.Cast<Op>().Concat(Body);

    /// <summary>How many times the ops (and the results) read <paramref name="id"/>.</summary>
    public int Reads(int id) => Body.SelectMany(op => op.Operands).Count(o => o == id) + Results.Count(r => r == id);

    /// <summary>The combiner of a Reduce or AssociativeScan value, or null.</summary>
    public static Combiner? Of(Op op) => op switch
    {
        ReduceOp reduce => reduce.Combine,
        ScanOp scan => scan.Combine,
        _ => null,
    };
}

/// <summary>The matrix product of <see cref="A"/> [M, K] and <see cref="B"/> [K, N], plus <see cref="Acc"/> when given;
/// with <see cref="Tf32"/>, of float operands truncated to tf32 (on tensor cores, <c>InputPrecision.Tf32</c>).</summary>
internal sealed record DotOp(int Id, TileType Type, int A, int B, int? Acc, bool Tf32 = false) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of(A, B, Acc);
}

internal enum LoopValueKind
{
    /// <summary>The loop index.</summary>
    Index,

    /// <summary>A carried variable inside the body: its value from the previous iteration.</summary>
    Arg,

    /// <summary>A carried variable after the loop.</summary>
    Result,
}

/// <summary>A value that a <see cref="Loop"/> defines.</summary>
internal sealed record LoopValueOp(int Id, TileType Type, LoopValueKind Kind) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

/// <summary>The old values an atomic returns (<see cref="StoreStatement.Result"/>): the elements memory held before it,
/// the element type's zero where its mask is off.</summary>
internal sealed record AtomicValueOp(int Id, TileType Type) : Op(Id, Type)
{
    public override IEnumerable<int> Operands => Of();
}

internal abstract record Statement;

internal sealed record Define(Op Op) : Statement;

/// <summary>An atomic's memory ordering (Triton's sem) and the threads it holds towards (its scope).</summary>
internal readonly record struct MemoryOrder(AtomicSem Sem, AtomicScope Scope)
{
    /// <summary>The accesses before the atomic are ordered before it: a fence before.</summary>
    public bool Releases => Sem is AtomicSem.AcqRel or AtomicSem.Release;

    /// <summary>The accesses after the atomic are ordered after it: a fence after.</summary>
    public bool Acquires => Sem is AtomicSem.AcqRel or AtomicSem.Acquire;
}

/// <summary>
/// Stores <see cref="Data"/> at <see cref="Pointers"/> where <see cref="Mask"/> holds; when <see cref="Atomic"/>,
/// applies <see cref="AtomicOp"/> (AtomicAdd, AtomicMax, AtomicMin, AtomicXchg, or AtomicCas against
/// <see cref="Compare"/>) atomically instead, and, when the atomic is an expression, defines <see cref="Result"/>.
/// </summary>
internal sealed record StoreStatement(int Pointers, int Data, int? Mask, bool Atomic) : Statement
{
    /// <summary>Which atomic op (AtomicAdd unless set); unused when not <see cref="Atomic"/>.</summary>
    public TileOpKind AtomicOp { get; init; } = TileOpKind.AtomicAdd;

    /// <summary>AtomicCas's compare operand, aligned to the pointers' rank like <see cref="Data"/>.</summary>
    public int? Compare { get; init; }

    /// <summary>The old values, of the pointers' shape, when the atomic's value is used (an expression); else null.</summary>
    public AtomicValueOp? Result { get; init; }

    /// <summary>An atomic's sem and scope (acquire and release on the device unless set); unused when not <see cref="Atomic"/>.</summary>
    public MemoryOrder Order { get; init; }

    /// <summary>The values the statement reads.</summary>
    public IEnumerable<int> Operands
    {
        get
        {
            yield return Pointers;
            yield return Data;
            if (Mask is { } mask) yield return mask;
            if (Compare is { } compare) yield return compare;
        }
    }
}

/// <summary>
/// Copies the elements at <see cref="Pointers"/> where <see cref="Mask"/> holds (zeros elsewhere) into a stage of the
/// shared buffer that feeds the pipelined load <see cref="Load"/> to its Dot, asynchronously (<c>cp.async</c>):
/// stage <see cref="Stage"/> before the loop, or the stage the loop writes this iteration when it is -1. After the
/// last copy of a stage (<see cref="Commit"/>) the copies issued so far form one group that the loop waits for.
/// </summary>
internal sealed record AsyncCopy(int Load, int Pointers, int? Mask, int Stage, bool Commit) : Statement
{
    public IEnumerable<int> Operands => Mask is { } mask ? new[] { Pointers, mask } : new[] { Pointers };
}

/// <summary>The header of a counted loop: <c>for (Index = Start; Index &lt; End; Index += Step)</c> (ids of int scalars;
/// <c>&lt;=</c> when <see cref="Inclusive"/>).</summary>
internal sealed record LoopRange(LoopValueOp Index, int Start, int End, bool Inclusive, int Step)
{
    /// <summary>The values the header reads.</summary>
    public IEnumerable<int> Bounds => new[] { Start, End, Step };
}

/// <summary>
/// A runtime loop carrying variables in the scf.for form: each enters as <c>Inits[i]</c>, is <c>Args[i]</c> inside
/// the body, leaves an iteration as <c>Yields[i]</c> and the loop as <c>Results[i]</c>. A counted <c>for</c> has its
/// <see cref="Range"/>; a <c>while</c> (no range) runs while its first carried value, a bool scalar, holds: the
/// condition computed before the loop enters as <c>Inits[0]</c> and the body ends by computing it again on the next
/// iteration's values (the loop rotated: <c>bool more = c; while (more) { ...; more = c; }</c>).
/// </summary>
internal sealed record Loop(
    LoopRange? Range,
    EquatableArray<int> Inits,
    EquatableArray<LoopValueOp> Args,
    EquatableArray<Statement> Body,
    EquatableArray<int> Yields,
    EquatableArray<LoopValueOp> Results) : Statement
{
    /// <summary>Stages of its software pipeline (<c>Passes.Pipelining</c>): 0 when it has none, else the shared
    /// buffers of each pipelined load hold this many iterations' tiles.</summary>
    public int Stages { get; init; }

    /// <summary>The values the loop itself reads (its body's reads aside): the inits, the yields and the range's bounds.</summary>
    public IEnumerable<int> Operands => Inits.Concat(Yields).Concat(Range?.Bounds ?? Enumerable.Empty<int>());

    /// <summary>The values the loop defines: the range's index, the carried values' args and results.</summary>
    public IEnumerable<LoopValueOp> Values => (Range is { } range ? new[] { range.Index } : Enumerable.Empty<LoopValueOp>()).Concat(Args).Concat(Results);
}

/// <summary>One constexpr specialization of a kernel: its constexpr values, its warps per program and its body.</summary>
internal sealed record Specialization(EquatableArray<int> ConstexprValues, int NumWarps, EquatableArray<Statement> Body)
{
    public int NumThreads => NumWarps * 32;
}
