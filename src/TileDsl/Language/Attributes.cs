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

/// <summary>How the generator lowers a DSL op that is not a plain elementwise expression.</summary>
public enum TileOpKind
{
    ProgramId,
    NumPrograms,
    Arange,
    Zeros,
    Full,
    Load,
    Store,
    Cast,
    ExpandDims,
    StaticRange,
    /// <summary>A reduction along an axis (the method's name says which: Sum, Max, Min, Argmax).</summary>
    Reduce,
    Dot,
    Trans,
    AtomicAdd,
}

/// <summary>Names the lowering rule of a structural DSL op; its host meaning is the method body.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class TileOpAttribute : Attribute
{
    public TileOpAttribute(TileOpKind kind) => Kind = kind;

    public TileOpKind Kind { get; }
}

/// <summary>
/// The lowering rule of an elementwise DSL op, next to its host meaning (the method body): a C# expression template
/// over the operands' per-thread scalars, <c>{0}</c>, <c>{1}</c>, ... .
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ElementwiseAttribute : Attribute
{
    public ElementwiseAttribute(string template) => Template = template;

    public string Template { get; }
}
