using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>
/// Elementwise ops: which element types each accepts (by its <see cref="OpClass"/> in the element-type table), the
/// result type, broadcasting of the operands, and folding of constant int and bool scalars.
/// </summary>
internal static class ElementwiseSemantics
{
    private enum Result
    {
        /// <summary>The operands' element type.</summary>
        Same,

        /// <summary>bool (comparisons).</summary>
        Bool,

        /// <summary>The element type of operands 1 and 2 (Where).</summary>
        Select,

        /// <summary>int, from a long seed and int offsets (Randint).</summary>
        Int,

        /// <summary>float, from a long seed and int offsets (Rand, Randn).</summary>
        Float,
    }

    /// <param name="Symbol">How the op reads in the source, for messages.</param>
    private sealed record Rule(int Arity, OpClass Class, Result Result, string Symbol);

    private static readonly Dictionary<TileOpKind, Rule> Rules = new()
    {
        [TileOpKind.Add] = new(2, OpClass.Arithmetic, Result.Same, "+"),
        [TileOpKind.Sub] = new(2, OpClass.Arithmetic, Result.Same, "-"),
        [TileOpKind.Mul] = new(2, OpClass.Arithmetic, Result.Same, "*"),
        [TileOpKind.Div] = new(2, OpClass.Arithmetic, Result.Same, "/"),
        [TileOpKind.Rem] = new(2, OpClass.Arithmetic, Result.Same, "%"),
        [TileOpKind.Neg] = new(1, OpClass.Arithmetic, Result.Same, "unary -"),
        [TileOpKind.Cdiv] = new(2, OpClass.Arithmetic, Result.Same, "Cdiv"),
        [TileOpKind.And] = new(2, OpClass.Bitwise, Result.Same, "&"),
        [TileOpKind.Or] = new(2, OpClass.Bitwise, Result.Same, "|"),
        [TileOpKind.Xor] = new(2, OpClass.Bitwise, Result.Same, "^"),
        [TileOpKind.Not] = new(1, OpClass.Logical, Result.Same, "!"),
        [TileOpKind.BitNot] = new(1, OpClass.Shift, Result.Same, "~"),
        [TileOpKind.Shl] = new(2, OpClass.Shift, Result.Same, "<<"),
        [TileOpKind.Shr] = new(2, OpClass.Shift, Result.Same, ">>"),
        [TileOpKind.Lt] = new(2, OpClass.Ordered, Result.Bool, "<"),
        [TileOpKind.Le] = new(2, OpClass.Ordered, Result.Bool, "<="),
        [TileOpKind.Gt] = new(2, OpClass.Ordered, Result.Bool, ">"),
        [TileOpKind.Ge] = new(2, OpClass.Ordered, Result.Bool, ">="),
        [TileOpKind.Eq] = new(2, OpClass.Equality, Result.Bool, "=="),
        [TileOpKind.Ne] = new(2, OpClass.Equality, Result.Bool, "!="),
        [TileOpKind.Where] = new(3, OpClass.None, Result.Select, "Where"),
        [TileOpKind.Exp] = new(1, OpClass.Transcendental, Result.Same, "Exp"),
        [TileOpKind.Exp2] = new(1, OpClass.Transcendental, Result.Same, "Exp2"),
        [TileOpKind.Log] = new(1, OpClass.Transcendental, Result.Same, "Log"),
        [TileOpKind.Sqrt] = new(1, OpClass.Transcendental, Result.Same, "Sqrt"),
        [TileOpKind.Abs] = new(1, OpClass.Abs, Result.Same, "Abs"),
        [TileOpKind.Maximum] = new(2, OpClass.Ordered, Result.Same, "Maximum"),
        [TileOpKind.Minimum] = new(2, OpClass.Ordered, Result.Same, "Minimum"),
        [TileOpKind.Rsqrt] = new(1, OpClass.Transcendental, Result.Same, "Rsqrt"),
        [TileOpKind.Sigmoid] = new(1, OpClass.Transcendental, Result.Same, "Sigmoid"),
        [TileOpKind.Tanh] = new(1, OpClass.Transcendental, Result.Same, "Tanh"),
        [TileOpKind.Log2] = new(1, OpClass.Transcendental, Result.Same, "Log2"),
        [TileOpKind.Sin] = new(1, OpClass.Transcendental, Result.Same, "Sin"),
        [TileOpKind.Cos] = new(1, OpClass.Transcendental, Result.Same, "Cos"),
        [TileOpKind.Erf] = new(1, OpClass.Transcendental, Result.Same, "Erf"),
        [TileOpKind.Fma] = new(3, OpClass.Transcendental, Result.Same, "Fma"),
        [TileOpKind.Clamp] = new(3, OpClass.Ordered, Result.Same, "Clamp"),
        // Random numbers: C#'s signatures admit only a long (or int) seed and int offsets, so no element-type check.
        [TileOpKind.Randint] = new(2, OpClass.None, Result.Int, "Randint"),
        [TileOpKind.Rand] = new(2, OpClass.None, Result.Float, "Rand"),
        [TileOpKind.Randn] = new(2, OpClass.None, Result.Float, "Randn"),
    };

    public static bool IsElementwise(TileOpKind kind) => Rules.ContainsKey(kind);

    /// <summary>The op applied to <paramref name="operands"/> (scalars or tiles broadcast together).</summary>
    public static int Apply(IrBuilder b, TileOpKind kind, int[] operands, string what)
    {
        var rule = Rules[kind];
        if (operands.Length != rule.Arity) throw new InvalidOperationException($"{kind} takes {rule.Arity} operands, got {operands.Length}.");
        var types = operands.Select(b.Type).ToArray();
        var operandType = types[rule.Result == Result.Select ? 1 : 0].Element;
        RequireAccepts(operandType, rule.Class, rule.Symbol, types.Any(t => !t.IsScalar));
        var element = rule.Result switch
        {
            Result.Bool => ElementType.Bool,
            Result.Int => ElementType.Int,
            Result.Float => ElementType.Float,
            Result.Same when rule.Arity == 2 && kind is not (TileOpKind.Shl or TileOpKind.Shr) => ElementTypes.Promote(types[0].Element, types[1].Element),
            _ => operandType,
        };
        // C# shifts a long by an int count (taken mod 64), as the interpreter does.
        if (kind is TileOpKind.Shl or TileOpKind.Shr && element == ElementType.Long && types[1].Element != ElementType.Int)
            operands = new[] { operands[0], Cast(b, operands[1], ElementType.Int, what) };
        // Arithmetic on 16-bit floats runs in float and rounds once (correctly rounded, as Triton's upcasts).
        if (ElementTypes.IsSixteenBit(element) && (rule.Class & (OpClass.Arithmetic | OpClass.Transcendental)) != 0)
            return Cast(b, Apply(b, kind, operands.Select(o => Cast(b, o, ElementType.Float, what)).ToArray(), what), element, what);
        // Under a runtime if's predicate both branches run: an integer division there divides by 1 where it does not apply.
        if (b.Predicate is { } predicate && element is ElementType.Int or ElementType.Long && kind is TileOpKind.Div or TileOpKind.Rem or TileOpKind.Cdiv
            && !b.IsConstant(operands[1]))
            operands = new[] { operands[0], Apply(b, TileOpKind.Where, new[] { predicate, operands[1], b.Constant(1, element) }, what) };
        var shape = ShapeSemantics.Broadcast(types.Where(t => !t.IsScalar).Select(t => t.Shape), what);
        if (shape.Count == 0 && Fold(b, kind, operands, element) is { } folded) return folded;
        var aligned = operands.Select(o => ShapeSemantics.Align(b, o, shape.Count)).ToEquatableArray();
        var type = new TileType(element, shape);
        return b.DefineComputed(type, id => new ElementwiseOp(id, type, kind, aligned), what);
    }

    /// <summary>C#'s conversion (<c>x.To&lt;T&gt;()</c>, casts): to bool is <c>!= 0</c>, from bool 0 or 1.</summary>
    public static int Cast(IrBuilder b, int value, ElementType to, string what)
    {
        var type = b.Type(value);
        if (type.Element == to) return value;
        if (b.TryConstant(value, out var constant)) return b.Constant(ElementTypes.Convert(constant, to), to);
        var result = new TileType(to, type.Shape);
        return b.DefineComputed(result, id => new CastOp(id, result, value), what);
    }

    /// <summary>TD0034 unless <paramref name="element"/> takes part in ops of <paramref name="opClass"/>.</summary>
    public static void RequireAccepts(ElementType element, OpClass opClass, string symbol, bool tile)
    {
        if (ElementTypes.Accepts(element, opClass)) return;
        string what = ElementTypes.CsName(element) + (tile ? " tiles" : " values");
        throw new SemanticError(DiagnosticDescriptors.ElementTypeNotSupported, symbol, what, Advice(element, opClass));
    }

    private static string Advice(ElementType element, OpClass opClass) => opClass switch
    {
        OpClass.Logical => "'!' negates bool tiles; compare instead, e.g. x == 0",
        OpClass.Bitwise when element == ElementType.Bool => "use & and | on bool tiles",
        OpClass.Bitwise => "'&', '|' and '^' combine bool or int tiles; compare first, e.g. (a > 0) & (b > 0)",
        OpClass.Shift => "shifts and '~' take int values",
        OpClass.Transcendental or OpClass.Dot => "convert first: x.To<float>()",
        OpClass.Atomic => "the atomics (AtomicAdd, AtomicMax, AtomicMin, AtomicXchg, AtomicCas) take int, float or double values",
        OpClass.Combine => "Reduce and AssociativeScan take int, long, float or double tiles; convert first: x.To<float>() (16-bit floats), x.To<int>() (bool)",
        _ when element == ElementType.Bool => "convert first: x.To<int>()",
        _ => "convert the operands to a type that supports it",
    };

    /// <summary>Folds int and bool constants (and Cdiv of constants); null when the operands are not all constant.</summary>
    private static int? Fold(IrBuilder b, TileOpKind kind, int[] operands, ElementType element)
    {
        var values = new object[operands.Length];
        for (int i = 0; i < operands.Length; i++)
            if (!b.TryConstant(operands[i], out values[i])) return null;
        object? folded = values.Length switch
        {
            2 when values[0] is int x && values[1] is int y => FoldInt(kind, x, y),
            2 when values[0] is bool x && values[1] is bool y => kind switch
            {
                TileOpKind.And => x & y,
                TileOpKind.Or => x | y,
                TileOpKind.Xor or TileOpKind.Ne => x != y,
                TileOpKind.Eq => x == y,
                _ => null,
            },
            1 when values[0] is int x => kind switch
            {
                TileOpKind.Neg => unchecked(-x),
                TileOpKind.BitNot => ~x,
                _ => null,
            },
            1 when values[0] is bool x && kind == TileOpKind.Not => !x,
            3 when values[0] is bool c && kind == TileOpKind.Where => c ? values[1] : values[2],
            _ => null,
        };
        return folded is null ? null : b.Constant(folded, element);
    }

    private static object? FoldInt(TileOpKind kind, int a, int b) => kind switch
    {
        TileOpKind.Add => unchecked(a + b),
        TileOpKind.Sub => unchecked(a - b),
        TileOpKind.Mul => unchecked(a * b),
        TileOpKind.Div when b != 0 && !(a == int.MinValue && b == -1) => a / b,
        TileOpKind.Rem when b != 0 && !(a == int.MinValue && b == -1) => a % b,
        TileOpKind.Cdiv when b != 0 => unchecked(a + b - 1) / b,
        TileOpKind.Shl => a << b,
        TileOpKind.Shr => a >> b,
        TileOpKind.And => a & b,
        TileOpKind.Or => a | b,
        TileOpKind.Xor => a ^ b,
        TileOpKind.Lt => a < b,
        TileOpKind.Le => a <= b,
        TileOpKind.Gt => a > b,
        TileOpKind.Ge => a >= b,
        TileOpKind.Eq => a == b,
        TileOpKind.Ne => a != b,
        TileOpKind.Maximum => Math.Max(a, b),
        TileOpKind.Minimum => Math.Min(a, b),
        _ => null,
    };
}
