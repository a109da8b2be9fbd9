using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.IR;

/// <summary>The element types of tile values. Pointers are carried as 32-bit element offsets.</summary>
internal enum ScalarKind
{
    Bool,
    Int,
    Float,
    Double,
}

/// <summary>A value's static type: element kind, shape (rank 0 is a scalar, uniform over the program) and, for a
/// pointer, the <c>Ptr&lt;T&gt;</c> parameter it points into.</summary>
internal sealed record TileType(ScalarKind Kind, EquatableArray<int> Shape, string? PointerParam = null)
{
    public int Rank => Shape.Count;

    public bool IsScalar => Shape.Count == 0;

    public bool IsPointer => PointerParam is not null;

    public string CsType => IsPointer ? "int" : CsName(Kind);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public static string CsName(ScalarKind kind) => kind switch
    {
        ScalarKind.Bool => "bool",
        ScalarKind.Int => "int",
        ScalarKind.Float => "float",
        _ => "double",
    };

    public TileType WithShape(EquatableArray<int> shape) => this with { Shape = shape };

    public static TileType Scalar(ScalarKind kind) => new(kind, EquatableArray<int>.Empty);
}

/// <summary>What computes a value. Each kind's lowering lives in Emit/KernelEmitter.</summary>
internal enum OpKind
{
    /// <summary>A compile-time constant scalar; <see cref="Value.Text"/> is its C# literal.</summary>
    Const,
    /// <summary>A scalar kernel parameter; <see cref="Value.Text"/> is its name.</summary>
    Param,
    /// <summary><see cref="Value.Text"/> is "X", "Y" or "Z".</summary>
    ProgramId,
    NumPrograms,
    /// <summary>1-D iota; <see cref="Value.Int"/> is the start.</summary>
    Arange,
    /// <summary>A tile filled with the scalar Args[0].</summary>
    Full,
    /// <summary>An elementwise op; <see cref="Value.Text"/> is its template over Args.</summary>
    Elementwise,
    /// <summary>Elementwise conversion of Args[0] to this value's element kind.</summary>
    Cast,
    /// <summary>View of the 1-D Args[0] with a new axis of size 1 at <see cref="Value.Int"/>.</summary>
    ExpandDims,
    /// <summary>View of the int offsets Args[0] as pointers into <see cref="TileType.PointerParam"/>.</summary>
    PointerView,
    /// <summary>Args: pointers, mask (or -1), other (or -1).</summary>
    Load,
    /// <summary>Combines Args[0] along axis <see cref="Value.Int"/>; <see cref="Value.Text"/> is Sum, Max, Min or
    /// Argmax. The result keeps the axis with size 1 when its rank equals the operand's; a rank-0 result is a scalar.</summary>
    Reduce,
    /// <summary>Matrix product of Args[0] [M, K] and Args[1] [K, N], plus Args[2] (or -1 for none).</summary>
    Dot,
    /// <summary>View of the 2-D Args[0] with its axes swapped.</summary>
    Trans,
    /// <summary>The loop index of the enclosing runtime loop.</summary>
    LoopIndex,
    /// <summary>A loop-carried variable inside the body (the value of the previous iteration).</summary>
    LoopArg,
    /// <summary>A loop-carried variable after the loop.</summary>
    LoopResult,
}

/// <summary>An SSA value of the tile IR. <see cref="Name"/> is the C# local it came from, if any.</summary>
internal sealed record Value(int Id, TileType Type, OpKind Op, EquatableArray<int> Args, string Text = "", int Int = 0, string Name = "");

internal abstract record Statement;

internal sealed record Define(Value Value) : Statement;

/// <summary>Store Data to pointers, or add it atomically when <see cref="Atomic"/> (Mask is -1 when there is none).</summary>
internal sealed record StoreTo(int Pointers, int Data, int Mask, bool Atomic = false) : Statement;

/// <summary>
/// A runtime loop <c>for (Index = Start; Index &lt; End; Index += Step)</c> (values are ids of scalars) carrying the
/// variables <c>Carried</c>: each enters as <c>Inits[i]</c>, is <c>Args[i]</c> inside the body, leaves an iteration as
/// <c>Yields[i]</c> and the loop as <c>Results[i]</c> (the scf.for form).
/// </summary>
internal sealed record Loop(
    Value Index,
    int Start,
    int End,
    bool Inclusive,
    int Step,
    EquatableArray<int> Inits,
    EquatableArray<Value> Args,
    EquatableArray<Statement> Body,
    EquatableArray<int> Yields,
    EquatableArray<Value> Results) : Statement;

/// <summary>One constexpr specialization of a kernel: its constexpr values, its warps per program and its body in tile IR.</summary>
internal sealed record Specialization(EquatableArray<int> ConstexprValues, int NumWarps, EquatableArray<Statement> Body)
{
    public int NumThreads => NumWarps * 32;

    public string Suffix(EquatableArray<KernelParameter> parameters)
        => string.Concat(parameters.Where(p => p.Kind == ParameterKind.Constexpr).Select((p, i) => "_" + p.Name + ConstexprValues[i]));
}

internal enum ParameterKind
{
    Pointer,
    Scalar,
    Constexpr,
}

/// <param name="Warps">Constexpr parameters only: warps per program for each of <paramref name="ConstexprValues"/>, or empty.</param>
internal sealed record KernelParameter(string Name, ParameterKind Kind, ScalarKind Element, EquatableArray<int> ConstexprValues, EquatableArray<int> Warps);
