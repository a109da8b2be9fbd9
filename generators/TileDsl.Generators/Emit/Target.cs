using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// The target seam: how the per-op emitters spell the machine's operations in the generated C#. One target today,
/// ILGPU, whose code runs on the CPU accelerator and on CUDA alike; an instruction only one of them has (inline PTX
/// for tensor cores) gets its spelling here, with a CPU emulation that places the data the same way.
/// </summary>
internal sealed class Target
{
    public static readonly Target Ilgpu = new();

    public string ThreadIndex => "Group.IdxX";

    public string Barrier => "Group.Barrier();";

    public string ProgramId(int axis, bool count) => $"Grid.{(count ? "Dim" : "Idx")}{"XYZ"[axis]}";

    public string ShuffleXor(string value, int laneMask) => $"Warp.ShuffleXor({value}, {laneMask})";

    public string AllocateShared(ElementType element, int elements) => $"SharedMemory.Allocate<{ElementTypes.Of(element).Storage}>({elements})";

    /// <summary>The kernel's dynamic shared memory, in bytes (its size is the launch's).</summary>
    public string DynamicShared => "SharedMemory.GetDynamic<byte>()";

    /// <summary>An arena of <paramref name="elements"/> at <paramref name="offset"/> bytes into the dynamic shared memory <paramref name="bytes"/>.</summary>
    public string SharedArena(string bytes, int offset, ElementType element, int elements)
        => $"{bytes}.SubView({offset}, {elements * ElementTypes.Of(element).Bytes}).Cast<{ElementTypes.Of(element).Storage}>()";

    /// <summary>Whether the code runs on CUDA (ILGPU folds it to a constant: the other branch is not compiled there).</summary>
    public string IsCuda => "CudaAsm.IsSupported";

    /// <summary>Inline PTX with its inputs (%0, %1, ...).</summary>
    public string Ptx(string asm, params string[] inputs) => $"CudaAsm.Emit(\"{asm}\"{string.Concat(inputs.Select(i => ", " + i))});";

    /// <summary>Inline PTX whose %0 is written to <paramref name="output"/>.</summary>
    public string PtxOut(string asm, string output) => $"CudaAsm.Emit(\"{asm}\", out {output});";

    /// <summary>A view of <paramref name="view"/> whose elements are vectors of <paramref name="width"/> (ILGPU emits
    /// 64- and 128-bit loads and stores for them where the address is aligned).</summary>
    public string VectorView(string view, ElementType element, int width) => $"{view}.Cast<{VectorType(element, width)}>()";

    public string VectorType(ElementType element, int width) => $"Vec{width}<{ElementTypes.Of(element).Storage}>";

    /// <summary>The fields of a vector, in order.</summary>
    public string Lane(int index) => "XYZW"[index].ToString();

    /// <summary>An atomic op on <paramref name="target"/>, an expression whose value is the old element: ILGPU's
    /// Atomic.Add, Max, Min, Exchange, CompareExchange (all defined for int, float and double in ILGPU 1.5.3).</summary>
    public string Atomic(TileOpKind kind, string target, string value, string? compare) => kind switch
    {
        TileOpKind.AtomicAdd => $"Atomic.Add(ref {target}, {value})",
        TileOpKind.AtomicMax => $"Atomic.Max(ref {target}, {value})",
        TileOpKind.AtomicMin => $"Atomic.Min(ref {target}, {value})",
        TileOpKind.AtomicXchg => $"Atomic.Exchange(ref {target}, {value})",
        TileOpKind.AtomicCas => $"Atomic.CompareExchange(ref {target}, {compare}, {value})",
        _ => throw new System.InvalidOperationException($"{kind} is not an atomic op."),
    };

    /// <summary>A memory fence of an atomic's <paramref name="scope"/>: ILGPU's MemoryFence (PTX <c>membar.cta</c>,
    /// <c>membar.gl</c>, <c>membar.sys</c>: <c>fence.sc</c> at that scope from sm_70 on; a full barrier on the CPU).</summary>
    public string Fence(AtomicScope scope) => scope switch
    {
        AtomicScope.Cta => "MemoryFence.GroupLevel();",
        AtomicScope.Gpu => "MemoryFence.DeviceLevel();",
        _ => "MemoryFence.SystemLevel();",
    };

    /// <summary>The C# template of an elementwise op over its operands {0}, {1}, {2}.</summary>
    public string Template(TileOpKind kind) => kind switch
    {
        TileOpKind.Add or TileOpKind.Sum => "{0} + {1}",
        TileOpKind.Sub => "{0} - {1}",
        TileOpKind.Mul => "{0} * {1}",
        TileOpKind.Div => "{0} / {1}",
        TileOpKind.Rem => "{0} % {1}",
        TileOpKind.Neg => "-{0}",
        TileOpKind.And => "{0} & {1}",
        TileOpKind.Or => "{0} | {1}",
        TileOpKind.Xor => "{0} ^ {1}",
        TileOpKind.Not => "!{0}",
        TileOpKind.BitNot => "~{0}",
        TileOpKind.Shl => "{0} << {1}",
        TileOpKind.Shr => "{0} >> {1}",
        TileOpKind.Lt => "{0} < {1}",
        TileOpKind.Le => "{0} <= {1}",
        TileOpKind.Gt => "{0} > {1}",
        TileOpKind.Ge => "{0} >= {1}",
        TileOpKind.Eq => "{0} == {1}",
        TileOpKind.Ne => "{0} != {1}",
        TileOpKind.Where => "{0} ? {1} : {2}",
        TileOpKind.Exp => "XMath.Exp({0})",
        TileOpKind.Exp2 => "XMath.Exp2({0})",
        TileOpKind.Log => "XMath.Log({0})",
        TileOpKind.Sqrt => "XMath.Sqrt({0})",
        TileOpKind.Abs => "XMath.Abs({0})",
        TileOpKind.Maximum or TileOpKind.Max => "XMath.Max({0}, {1})",
        TileOpKind.Minimum or TileOpKind.Min => "XMath.Min({0}, {1})",
        TileOpKind.Cdiv => "({0} + {1} - 1) / {1}",
        TileOpKind.Rsqrt => "TileMath.Rsqrt({0})",
        TileOpKind.Sigmoid => "TileMath.Sigmoid({0})",
        TileOpKind.Tanh => "TileMath.Tanh({0})",
        TileOpKind.Log2 => "TileMath.Log2({0})",
        TileOpKind.Sin => "TileMath.Sin({0})",
        TileOpKind.Cos => "TileMath.Cos({0})",
        TileOpKind.Erf => "TileMath.Erf({0})",
        TileOpKind.Fma => "TileMath.Fma({0}, {1}, {2})",
        TileOpKind.Clamp => "TileMath.Clamp({0}, {1}, {2})",
        TileOpKind.Randint => "TileMath.Randint({0}, {1})",
        TileOpKind.Rand => "TileMath.Rand({0}, {1})",
        TileOpKind.Randn => "TileMath.Randn({0}, {1})",
        _ => throw new System.InvalidOperationException($"{kind} is not elementwise."),
    };

    /// <summary>An element read from memory as the value its register holds (a 16-bit float from its bits).</summary>
    public string FromMemory(ElementType element, string read) => element switch
    {
        ElementType.Half => $"TileMath.HalfToFloat({read})",
        ElementType.BFloat16 => $"TileMath.BFloat16ToFloat({read})",
        _ => read,
    };

    /// <summary>A register's value as memory holds it (a 16-bit float as its bits; the value is one already).</summary>
    public string ToMemory(ElementType element, string value) => element switch
    {
        ElementType.Half => $"TileMath.FloatToHalf({value})",
        ElementType.BFloat16 => $"TileMath.FloatToBFloat16({value})",
        _ => value,
    };

    /// <summary><see cref="ToMemory"/> of a value the type holds exactly (every register of the type does): a bfloat16
    /// is then the float's upper half, no rounding to do.</summary>
    public string ToMemoryExact(ElementType element, string value)
        => element == ElementType.BFloat16 ? $"TileMath.BFloat16Bits({value})" : ToMemory(element, value);

    /// <summary>C#'s conversion of <paramref name="operand"/> (already parenthesized where needed); to a 16-bit float
    /// through float, rounded to nearest even (its registers are floats).</summary>
    public string Cast(ElementType from, ElementType to, string operand)
    {
        from = ElementTypes.Of(from).Register;
        if (ElementTypes.IsSixteenBit(to))
        {
            string value = from == ElementType.Float ? operand : from == ElementType.Bool ? $"({operand} ? 1f : 0f)" : $"(float){operand}";
            return $"TileMath.RoundTo{(to == ElementType.Half ? "Half" : "BFloat16")}({value})";
        }
        if (from == to) return operand;
        if (to == ElementType.Bool) return $"{operand} != 0";
        // From bool: a choice between literals of the target type. Not (float)(b ? 1 : 0): ILGPU 1.5.3 folds that cast
        // into the choice keeping the int constants' bits, 1 becoming the float 2^-149 on CUDA (seen in Release builds).
        if (from == ElementType.Bool) return $"({operand} ? {ElementTypes.Literal(ElementTypes.Convert(1, to))} : {ElementTypes.Literal(ElementTypes.Convert(0, to))})";
        return $"({ElementTypes.CsName(to)}){operand}";
    }
}
