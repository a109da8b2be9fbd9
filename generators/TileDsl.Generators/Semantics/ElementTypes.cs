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
}

/// <summary>
/// One row of the element-type table. <see cref="Promotion"/> orders the numeric types for C#'s (and Triton's)
/// promotion of mixed operands; <see cref="StagedAs"/> is the type a value travels as through shared memory.
/// </summary>
internal sealed record ElementInfo(
    ElementType Type,
    string CsName,
    SpecialType SpecialType,
    int Bytes,
    int Promotion,
    ElementType StagedAs,
    OpClass Accepts,
    object Zero);

/// <summary>
/// The element types of the language, one row each: a new element type is a new row here plus its conversions
/// (<see cref="Convert"/>, <see cref="Literal"/>) and, where it needs one, its spelling in Emit/.
/// </summary>
internal static class ElementTypes
{
    private const OpClass Numeric = OpClass.Arithmetic | OpClass.Ordered | OpClass.Equality | OpClass.Abs | OpClass.Memory;

    private static readonly ElementInfo[] Rows =
    {
        new(ElementType.Bool, "bool", SpecialType.System_Boolean, 1, -1, ElementType.Int, OpClass.Equality | OpClass.Bitwise | OpClass.Logical, false),
        new(ElementType.Int, "int", SpecialType.System_Int32, 4, 0, ElementType.Int, Numeric | OpClass.Bitwise | OpClass.Shift, 0),
        new(ElementType.Float, "float", SpecialType.System_Single, 4, 1, ElementType.Float, Numeric | OpClass.Transcendental | OpClass.Dot, 0f),
        new(ElementType.Double, "double", SpecialType.System_Double, 8, 2, ElementType.Double, Numeric | OpClass.Transcendental | OpClass.Dot, 0d),
    };

    public static ElementInfo Of(ElementType type) => Rows[(int)type];

    public static string CsName(ElementType type) => Of(type).CsName;

    public static bool Accepts(ElementType type, OpClass op) => (Of(type).Accepts & op) == op;

    /// <summary>The element type of a C# scalar type, or null.</summary>
    public static ElementType? FromSpecialType(SpecialType special)
    {
        foreach (var row in Rows)
            if (row.SpecialType == special) return row.Type;
        return null;
    }

    /// <summary>The type two numeric operands promote to (the one ranked higher).</summary>
    public static ElementType Promote(ElementType a, ElementType b) => Of(a).Promotion >= Of(b).Promotion ? a : b;

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
                float f => (int)f,
                double d => (int)d,
                _ => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
            },
            ElementType.Float => System.Convert.ToSingle(value, CultureInfo.InvariantCulture),
            _ => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The C# literal of a constant.</summary>
    public static string Literal(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
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
