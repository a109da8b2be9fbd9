using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>Families of ops, for the element-type table: which families an element type takes part in.</summary>
[Flags]
internal enum OpClass
{
    None = 0,

    /// <summary><c>+ - * / %</c>, unary <c>-</c>, <c>Cdiv</c>, <c>Sum</c>.</summary>
    Arithmetic = 1 << 0,

    /// <summary><c>&lt; &lt;= &gt; &gt;=</c>, <c>Maximum</c>, <c>Minimum</c>, <c>Max</c>, <c>Min</c>, <c>Argmax</c>, <c>Argmin</c>.</summary>
    Ordered = 1 << 1,

    /// <summary><c>== !=</c>.</summary>
    Equality = 1 << 2,

    /// <summary><c>&amp; | ^</c>.</summary>
    Bitwise = 1 << 3,

    /// <summary><c>!</c>.</summary>
    Logical = 1 << 4,

    /// <summary><c>~ &lt;&lt; &gt;&gt;</c>.</summary>
    Shift = 1 << 5,

    /// <summary><c>Exp</c>, <c>Exp2</c>, <c>Log</c>, <c>Sqrt</c>.</summary>
    Transcendental = 1 << 6,

    /// <summary><c>Abs</c>.</summary>
    Abs = 1 << 7,

    /// <summary><c>Dot</c> operands.</summary>
    Dot = 1 << 8,

    /// <summary>Pointer element types (<c>Ptr&lt;T&gt;</c> kernel parameters).</summary>
    Memory = 1 << 9,

    /// <summary><c>AtomicAdd</c>, <c>AtomicMax</c>, <c>AtomicMin</c>, <c>AtomicXchg</c>, <c>AtomicCas</c>.</summary>
    Atomic = 1 << 10,

    /// <summary><c>Reduce</c>, <c>AssociativeScan</c>: tiles whose elements a [TileFunction] combiner takes as C# scalars.</summary>
    Combine = 1 << 11,
}

/// <summary>
/// One row of the element-type table. <see cref="CsName"/> is the type users write (<c>Ptr&lt;T&gt;</c>,
/// <c>Tile&lt;T&gt;</c>), found by <see cref="SpecialType"/> or, for a struct, its <see cref="MetadataName"/>;
/// <see cref="Promotion"/> orders the numeric types for C#'s (and Triton's) promotion of mixed operands;
/// <see cref="Register"/> is the type a value is held in inside a kernel and <see cref="StagedAs"/> the one it travels
/// as through shared memory; <see cref="Storage"/> is the element type of its kernel views (the bits, for 16-bit floats).
/// <see cref="Bytes"/> is its size in memory.
/// </summary>
internal sealed record ElementInfo(
    ElementType Type,
    string CsName,
    SpecialType SpecialType,
    string MetadataName,
    int Bytes,
    int Promotion,
    ElementType Register,
    ElementType StagedAs,
    string Storage,
    OpClass Accepts,
    object Zero);

/// <summary>
/// The element types of the language, one row each: a new element type is a new row here plus its conversions
/// (<see cref="Convert"/>, <see cref="Literal"/>) and, where it needs one, its spelling in Emit/.
/// </summary>
internal static class ElementTypes
{
    private const OpClass Numeric = OpClass.Arithmetic | OpClass.Ordered | OpClass.Equality | OpClass.Abs | OpClass.Memory;

    // 16-bit floats live in float registers, each holding a value of the type exactly: arithmetic on them is upcast
    // to float and rounded back (Semantics/), and memory holds their bits (Emit/Target: the conversions of TileMath).
    private static readonly ElementInfo[] Rows =
    {
        new(ElementType.Bool, "bool", SpecialType.System_Boolean, "", 1, -1, ElementType.Bool, ElementType.Int, "bool", OpClass.Equality | OpClass.Bitwise | OpClass.Logical, false),
        new(ElementType.Int, "int", SpecialType.System_Int32, "", 4, 0, ElementType.Int, ElementType.Int, "int", Numeric | OpClass.Bitwise | OpClass.Shift | OpClass.Atomic | OpClass.Combine, 0),
        new(ElementType.Float, "float", SpecialType.System_Single, "", 4, 3, ElementType.Float, ElementType.Float, "float", Numeric | OpClass.Transcendental | OpClass.Dot | OpClass.Atomic | OpClass.Combine, 0f),
        new(ElementType.Double, "double", SpecialType.System_Double, "", 8, 4, ElementType.Double, ElementType.Double, "double", Numeric | OpClass.Transcendental | OpClass.Dot | OpClass.Atomic | OpClass.Combine, 0d),
        new(ElementType.Half, "System.Half", SpecialType.None, "System.Half", 2, 2, ElementType.Float, ElementType.Float, "ushort", Numeric | OpClass.Dot, 0f),
        new(ElementType.BFloat16, "BFloat16", SpecialType.None, "TileDsl.BFloat16", 2, 2, ElementType.Float, ElementType.Float, "ushort", Numeric | OpClass.Dot, 0f),
        new(ElementType.Long, "long", SpecialType.System_Int64, "", 8, 1, ElementType.Long, ElementType.Long, "long", Numeric | OpClass.Bitwise | OpClass.Shift | OpClass.Atomic | OpClass.Combine, 0L),
    };

    public static ElementInfo Of(ElementType type) => Rows[(int)type];

    public static string CsName(ElementType type) => Of(type).CsName;

    public static bool Accepts(ElementType type, OpClass op) => (Of(type).Accepts & op) == op;

    /// <summary>The element type of a C# type, or null.</summary>
    public static ElementType? FromType(ITypeSymbol type)
    {
        foreach (var row in Rows)
        {
            if (row.SpecialType != SpecialType.None ? type.SpecialType == row.SpecialType
                : type.TypeKind == TypeKind.Struct && type.ToDisplayString() == row.MetadataName) return row.Type;
        }
        return null;
    }

    /// <summary>Whether values of the type are 16-bit floats, held in float registers.</summary>
    public static bool IsSixteenBit(ElementType type) => Of(type).Register != type;

    /// <summary>The type two numeric operands promote to (the one ranked higher; fp16 with bf16 gives float, as in Triton).</summary>
    public static ElementType Promote(ElementType a, ElementType b)
        => a != b && Of(a).Promotion == Of(b).Promotion ? ElementType.Float : Of(a).Promotion >= Of(b).Promotion ? a : b;

    /// <summary>A constant converted with C#'s cast semantics (to bool: <c>!= 0</c>; from bool: 0 or 1).</summary>
    public static object Convert(object value, ElementType to)
    {
        if (value is bool b) value = b ? 1 : 0;
        return to switch
        {
            ElementType.Bool => System.Convert.ToDouble(value, CultureInfo.InvariantCulture) != 0,
            ElementType.Int => value switch
            {
                int i => i,
                long l => unchecked((int)l),
                float f => (int)f,
                double d => (int)d,
                _ => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
            },
            ElementType.Long => value switch
            {
                int i => (long)i,
                long l => l,
                float f => (long)f,
                double d => (long)d,
                _ => System.Convert.ToInt64(value, CultureInfo.InvariantCulture),
            },
            ElementType.Float => System.Convert.ToSingle(value, CultureInfo.InvariantCulture),
            // Only zeros reach here (fills and masked loads' defaults): a cast of another constant stays a runtime cast.
            ElementType.Half or ElementType.BFloat16 when System.Convert.ToDouble(value, CultureInfo.InvariantCulture) == 0 => 0f,
            ElementType.Half or ElementType.BFloat16 => throw new ArgumentException($"No 16-bit constant for {value}."),
            _ => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The C# literal of a constant.</summary>
    public static string Literal(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        float f when float.IsNaN(f) => "float.NaN",
        float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
        float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d when double.IsNaN(d) => "double.NaN",
        double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
        double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        _ => throw new ArgumentException($"No literal for {value}."),
    };
}
