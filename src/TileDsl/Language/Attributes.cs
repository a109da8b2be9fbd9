using System;

namespace TileDsl;

/// <summary>
/// Marks a static method of a partial class as a tile kernel. The TileDsl generator lowers it to an ILGPU kernel
/// and emits a nested launcher class named <c>{Method}Kernel</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class TileKernelAttribute : Attribute
{
    /// <summary>Warps (of 32 threads) per program instance; a power of two from 1 to 32. Default 4.</summary>
    public int NumWarps { get; set; } = 4;

    /// <summary>
    /// On CUDA, programs that should fit on one multiprocessor at once (CUDA's <c>__launch_bounds__</c> minimum
    /// blocks, PTX <c>.minnctapersm</c>): the compiler caps each thread's registers at 65536 / (NumWarps × 32 × this),
    /// spilling what does not fit. More resident programs hide more latency; a cap below what the kernel needs costs
    /// spills, so measure. 0 (the default) leaves registers to the compiler; at most 32.
    /// </summary>
    public int MinProgramsPerSM { get; set; }

    /// <summary>
    /// Stages of the software pipeline of a runtime loop whose Dot reads tiles loaded in the loop (Triton's
    /// <c>num_stages</c>): with n stages, the tiles of iteration i + n − 1 are copied from global to shared memory
    /// asynchronously (<c>cp.async</c> on CUDA) while iteration i multiplies, so that the loads' latency hides behind
    /// the multiply-adds; shared memory holds n copies of the tiles. Applies to Dots whose operands are loads of the
    /// iteration (bf16 or fp16 tiles on tensor cores, float tiles on FMA units), with addresses computed from the loop
    /// index and loop-invariant values (docs/dsl.md); other loops run as written. 1 (the default) turns it off; at most 8.
    /// </summary>
    public int NumStages { get; set; } = 1;
}

/// <summary>
/// Marks an <c>int</c> kernel parameter as a compile-time constant. The generator emits one specialization per value;
/// launching with any other value throws <see cref="ArgumentOutOfRangeException"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ConstexprAttribute : Attribute
{
    public ConstexprAttribute(params int[] values) => Values = values;

    /// <summary>The values compiled for this parameter.</summary>
    public int[] Values { get; }

    /// <summary>
    /// Warps per program instance for each of <see cref="Values"/>, in the same order (e.g. larger blocks with more
    /// warps); overrides <see cref="TileKernelAttribute.NumWarps"/>. Where several parameters set it, a program runs
    /// the most warps that any of its values asks for.
    /// </summary>
    public int[]? Warps { get; set; }
}

/// <summary>
/// Names the op of a DSL method or operator (<see cref="TileOpKind"/>): the generator types and lowers the call by it;
/// the method body is the op's meaning on the host, which the interpreter runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class TileOpAttribute : Attribute
{
    public TileOpAttribute(TileOpKind kind) => Kind = kind;

    public TileOpKind Kind { get; }

    /// <summary>
    /// The method's <c>double</c> parameters are weakly typed, as Triton's Python float literals: the generator rounds
    /// each (a compile-time constant) once to float, the type of the <c>Tile&lt;float&gt;</c> beside it, and the op
    /// stays in float (<see cref="WeakLiterals"/>).
    /// </summary>
    public bool WeakLiteral { get; set; }
}

/// <summary>
/// Marks a static method written in the DSL as a helper that kernels and other helpers call: its parameters are
/// tiles, scalars, pointers or constants, its result a tile, a scalar or nothing. The generator inlines it at each
/// call (so constant arguments stay constant, e.g. block sizes); on the host it is an ordinary method.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class TileFunctionAttribute : Attribute
{
}
