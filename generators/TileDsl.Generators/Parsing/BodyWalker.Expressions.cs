using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

/// <summary>Expressions: names, constants, conversions, operators and calls, each handed to its op's semantics.</summary>
internal sealed partial class BodyWalker
{
    private int Expression(IOperation op) => Guarded(op, () => Evaluate(op));

    /// <summary>Runs a semantics step; its <see cref="SemanticError"/> is reported at <paramref name="op"/> (or where it says).</summary>
    private T Guarded<T>(IOperation op, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (SemanticError error)
        {
            throw Report(error.Descriptor, error.At ?? op.Syntax, error.Arguments);
        }
    }

    private int Evaluate(IOperation op)
    {
        if (op.ConstantValue.HasValue && op.ConstantValue.Value is int or long or float or double or bool)
            return b.Constant(op.ConstantValue.Value, ElementOf(op.Type!));

        if (IsTuple(op.Type)) throw TupleValue(op);
        switch (op)
        {
            case IFieldReferenceOperation { Instance: ILocalReferenceOperation tuple } when IsTuple(tuple.Type):
                throw scope.Poisoned.Contains(tuple.Local) ? Silent() : TupleValue(tuple);
            case ILocalReferenceOperation local:
                if (scope.Poisoned.Contains(local.Local)) throw Silent();
                return scope.Values.TryGetValue(local.Local, out int id) ? id : throw Silent();
            case IParameterReferenceOperation parameter:
                return scope.Values.TryGetValue(parameter.Parameter, out int p) ? p : throw Silent();
            case IConversionOperation conversion:
                return Conversion(conversion);
            case IBinaryOperation binary:
                return Operator(binary, binary.OperatorMethod, binary.OperatorKind, new[] { binary.LeftOperand, binary.RightOperand });
            case IUnaryOperation unary:
                return Unary(unary);
            case IInvocationOperation invocation:
                return Invocation(invocation);
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when OpBinding.KindOf(indexer.Property) == TileOpKind.ExpandDims:
                return ExpandDims(indexer);
            case IConditionalOperation { WhenFalse: not null } ternary:
            {
                int condition = Expression(ternary.Condition);
                if (b.TryConstant(condition, out var known) && known is bool taken)
                    return Expression(taken ? ternary.WhenTrue : ternary.WhenFalse);
                int a = Expression(ternary.WhenTrue), c = Expression(ternary.WhenFalse);
                if (!b.Type(a).IsScalar || !b.Type(c).IsScalar)
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, ternary, "The conditional operator on tiles", "write Where(condition, a, b)");
                return ElementwiseSemantics.Apply(b, TileOpKind.Where, new[] { condition, a, c }, ternary.Syntax.ToString());
            }
            case IInvalidOperation:
                throw Silent();
            default:
                throw Report(DiagnosticDescriptors.UnsupportedExpression, op, Describe(op), ExpressionAdvice(op));
        }
    }

    private int Conversion(IConversionOperation conversion)
    {
        var operand = conversion.Operand;
        if (operand is IInvalidOperation || operand.Type?.TypeKind == TypeKind.Error) throw Silent(); // C# reports it
        if (conversion.Conversion.IsIdentity || conversion.Conversion.IsReference || conversion.Conversion.IsNullable)
        {
            if (operand.ConstantValue is { HasValue: true, Value: null })
                throw Report(DiagnosticDescriptors.UnsupportedExpression, conversion, "'null'", "omit the optional mask argument instead of passing null");
            return Expression(operand);
        }
        if (conversion.Conversion.IsNumeric && conversion.Type is { } target)
            return ElementwiseSemantics.Cast(b, Expression(operand), ElementOf(target), conversion.Syntax.ToString());
        throw Report(DiagnosticDescriptors.UnsupportedExpression, conversion, $"Converting '{operand.Type?.ToDisplayString()}' to '{conversion.Type?.ToDisplayString()}'", "use int, float, double and bool values, and x.To<T>() for tiles");
    }

    private int Operator(IOperation op, IMethodSymbol? method, BinaryOperatorKind builtin, IOperation[] operands)
    {
        if (operands.Any(o => o is IInvalidOperation || o.Type?.TypeKind == TypeKind.Error)) throw Silent(); // C# reports it
        TileOpKind kind;
        if (method is not null)
        {
            kind = OpBinding.KindOf(method) ?? throw Report(DiagnosticDescriptors.NotDslMethod, op, method.ToDisplayString());
            if (kind == TileOpKind.AddPtr) return MemorySemantics.AddPtr(b, Expression(operands[0]), Expression(operands[1]), op.Syntax.ToString());
        }
        else
        {
            kind = OpBinding.Builtin(builtin)
                ?? throw Report(DiagnosticDescriptors.UnsupportedExpression, op, $"The operator '{builtin}'", "use + - * / % << >> comparisons & | ^ && || and the ops of TileDsl.Tl");
        }
        var args = operands.Select(Expression).ToArray();
        if (method is not null) WeakLiterals(method, method.Parameters, operands, args);
        return ElementwiseSemantics.Apply(b, kind, args, op.Syntax.ToString());
    }

    /// <summary>
    /// Rounds the constants bound to a weak-literal method's double parameters to float, the type of the float tile
    /// beside them (Triton's weakly typed Python floats), so the op stays in float; TD0014 for a runtime double.
    /// </summary>
    private void WeakLiterals(IMethodSymbol method, IReadOnlyList<IParameterSymbol?> parameters, IReadOnlyList<IOperation> operands, int[] args)
    {
        if (!OpBinding.IsWeakLiteral(method)) return;
        for (int i = 0; i < args.Length; i++)
        {
            if (parameters[i]?.Type.SpecialType != SpecialType.System_Double) continue;
            if (!b.TryConstant(args[i], out _))
                throw Report(DiagnosticDescriptors.NotConstant, operands[i], $"The double '{operands[i].Syntax}' beside a Tile<float> (a weakly typed literal, rounded to float)");
            args[i] = ElementwiseSemantics.Cast(b, args[i], ElementType.Float, operands[i].Syntax.ToString());
        }
    }

    private int Unary(IUnaryOperation unary)
    {
        TileOpKind kind;
        if (unary.OperatorMethod is { } method)
            kind = OpBinding.KindOf(method) ?? throw Report(DiagnosticDescriptors.NotDslMethod, unary, method.ToDisplayString());
        else if (unary.OperatorKind == UnaryOperatorKind.Plus)
            return Expression(unary.Operand);
        else
            kind = OpBinding.Builtin(unary.OperatorKind)
                ?? throw Report(DiagnosticDescriptors.UnsupportedExpression, unary, $"The operator '{unary.OperatorKind}'", "use - ! ~");
        return ElementwiseSemantics.Apply(b, kind, new[] { Expression(unary.Operand) }, unary.Syntax.ToString());
    }

    private int Invocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (OpBinding.IsTileKernel(method))
        {
            bool self = SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, kernel.OriginalDefinition);
            throw Report(DiagnosticDescriptors.KernelCall, invocation, kernel.Name, method.Name, self ? " (itself)" : "");
        }
        if (OpBinding.IsTileFunction(method))
        {
            if (method.ReturnsVoid)
                throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, $"The void [TileFunction] '{method.Name}' inside an expression", "call it as a statement of its own");
            return InlineHelper(invocation) ?? throw Silent();
        }
        var kind = OpBinding.KindOf(method)
            ?? throw Report(DiagnosticDescriptors.NotDslMethod, invocation, method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat));
        var args = ArgumentsInOrder(invocation);
        string what = invocation.Syntax.ToString();
        switch (kind)
        {
            case TileOpKind.ProgramId or TileOpKind.NumPrograms:
            {
                int axis = ConstantInt(args[0].Value, $"The axis of {method.Name}");
                Guarded(args[0].Value, () => { ShapeSemantics.RequireProgramAxis(axis, kind == TileOpKind.NumPrograms); return 0; });
                return ShapeSemantics.ProgramId(b, axis, kind == TileOpKind.NumPrograms);
            }
            case TileOpKind.Arange:
                return ShapeSemantics.Arange(b, ConstantInt(args[0].Value, "The start of Arange"), ConstantInt(args[1].Value, "The end of Arange"), $"'{what}'");
            case TileOpKind.Zeros or TileOpKind.Full:
            {
                var element = ElementOf(method.TypeArguments[0]);
                int rank = args.Count - (kind == TileOpKind.Full ? 1 : 0);
                var shape = new int[rank];
                for (int i = 0; i < rank; i++)
                {
                    shape[i] = ConstantInt(args[i].Value, $"Dimension {i} of {method.Name}");
                    int size = shape[i], dim = i;
                    Guarded(args[i].Value, () => { ShapeSemantics.RequirePowerOfTwo(size, $"Dimension {dim} of {method.Name}"); return 0; });
                }
                int? fill = kind == TileOpKind.Full ? Expression(args[rank].Value) : null;
                return ShapeSemantics.Full(b, element, shape, fill, $"'{what}'");
            }
            case TileOpKind.Load:
            {
                int pointers = Expression(args[0].Value);
                if (b.Type(pointers).IsScalar && args.Count == 1)
                    return MemorySemantics.Load(b, pointers, null, null, what);
                int? mask = MaskArgument(args.Count > 1 ? args[1] : null);
                int? other = args.Count > 2 && !IsDefault(args[2]) ? Expression(args[2].Value) : null;
                return MemorySemantics.Load(b, pointers, mask, other, what);
            }
            case TileOpKind.Cast:
                return ElementwiseSemantics.Cast(b, Expression(invocation.Instance!), ElementOf(method.TypeArguments[0]), what);
            case TileOpKind.Sum or TileOpKind.Max or TileOpKind.Min or TileOpKind.Argmax or TileOpKind.Argmin or TileOpKind.Reduce:
                return Reduce(invocation, kind, args);
            case TileOpKind.Cumsum or TileOpKind.Cumprod or TileOpKind.AssociativeScan:
            {
                int source = Expression(args[0].Value);
                int axis = Named(args, "axis") is { } axisArgument ? Axis(axisArgument, source, kind) : 0;
                bool reverse = ConstantFlag(Named(args, "reverse"), kind);
                return ReduceSemantics.Scan(b, kind, source, axis, reverse, $"'{what}'", CombinerArgument(args, kind, source));
            }
            case TileOpKind.Dot:
            {
                int a = Expression(args[0].Value), c = Expression(args[1].Value);
                var accArgument = Named(args, "acc") is { } given && !IsDefault(given) ? given : null;
                int? acc = accArgument is null ? null : Expression(accArgument.Value);
                bool tf32 = Named(args, "inputPrecision") is { } precision
                    && (InputPrecision)ConstantEnum(precision.Value, "The inputPrecision of Dot") == InputPrecision.Tf32;
                return DotSemantics.Dot(b, a, c, acc, accArgument?.Value.Syntax, $"'{what}'", tf32);
            }
            case TileOpKind.Trans:
                return ShapeSemantics.Trans(b, Expression(args[0].Value));
            case TileOpKind.ExpandDims:
            {
                int source = Expression(args[0].Value);
                int axis = ConstantInt(args[1].Value, "The axis of ExpandDims");
                if (axis is not (0 or 1))
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, args[1].Value, $"ExpandDims at axis {axis}", "a 1-D tile takes a new axis 0 or 1");
                return ShapeSemantics.ExpandDims(b, source, axis);
            }
            case TileOpKind.Reshape or TileOpKind.BroadcastTo:
            {
                int source = Expression(args[0].Value);
                var shape = args.Skip(1).Select((a, i) => ConstantInt(a.Value, $"Dimension {i} of {method.Name}")).ToArray();
                return kind == TileOpKind.Reshape ? ShapeSemantics.Reshape(b, source, shape, $"'{what}'") : ShapeSemantics.BroadcastTo(b, source, shape, $"'{what}'");
            }
            case TileOpKind.Store:
                throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, "Store inside an expression", "call Store as a statement of its own");
            case var atomic when MemorySemantics.Writes(atomic):
                return Store(invocation, atomic, returnsOld: true);
            case TileOpKind.StaticRange:
                throw Report(DiagnosticDescriptors.LoopForm, invocation, "StaticRange outside a foreach loop");
            case var elementwise when ElementwiseSemantics.IsElementwise(elementwise):
            {
                var operands = args.Select(a => Expression(a.Value)).ToArray();
                WeakLiterals(method, args.Select(a => a.Parameter).ToArray(), args.Select(a => a.Value).ToArray(), operands);
                return ElementwiseSemantics.Apply(b, elementwise, operands, what);
            }
            default:
                throw Report(DiagnosticDescriptors.NotDslMethod, invocation, method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat));
        }
    }

    /// <summary>The constant axis argument of a reduction or a scan, checked against the source's rank (TD0011).</summary>
    private int Axis(IArgumentOperation argument, int source, TileOpKind kind)
    {
        int axis = ConstantInt(argument.Value, $"The axis of {kind}");
        Guarded(argument.Value, () => { ReduceSemantics.RequireAxis(b, source, axis, kind.ToString()); return 0; });
        return axis;
    }

    private int Reduce(IInvocationOperation invocation, TileOpKind kind, List<IArgumentOperation> args)
    {
        int source = Expression(args[0].Value);
        int? axis = Named(args, "axis") is { } axisArgument ? Axis(axisArgument, source, kind) : null;
        bool keepDims = ConstantFlag(Named(args, "keepDims"), kind);
        return ReduceSemantics.Reduce(b, kind, source, axis, keepDims, $"'{invocation.Syntax}'", CombinerArgument(args, kind, source));
    }

    /// <summary>A constant bool argument (a reduction's keepDims, a scan's reverse); false when it is left out. TD0014
    /// when it is not a compile-time constant.</summary>
    private bool ConstantFlag(IArgumentOperation? argument, TileOpKind kind)
    {
        if (IsDefault(argument)) return false;
        int value = Expression(argument!.Value);
        if (!b.TryConstant(value, out var known) || known is not bool flag)
            throw Report(DiagnosticDescriptors.NotConstant, argument!.Value, $"The {argument.Parameter!.Name} argument of {kind}");
        return flag;
    }

    private static IArgumentOperation? Named(List<IArgumentOperation> args, string parameter) => args.FirstOrDefault(a => a.Parameter?.Name == parameter);

    /// <summary>The combiner of Reduce or AssociativeScan (once the source is known to take one), or null for the other ops.</summary>
    private Combiner? CombinerArgument(List<IArgumentOperation> args, TileOpKind kind, int source)
    {
        if (Named(args, "combine") is not { } argument) return null;
        ReduceSemantics.RequireOperand(b, kind, source);
        return Combiner(argument, kind, new[] { b.Type(source).Element });
    }

    private int ExpandDims(IPropertyReferenceOperation indexer)
    {
        var args = indexer.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
        int axis = indexer.Property.Parameters[0].Type.Name == "NewAxis" ? 0 : 1;
        var range = args[1 - axis].Value;
        if (range is not IRangeOperation { LeftOperand: null, RightOperand: null })
            throw Report(DiagnosticDescriptors.UnsupportedExpression, range, "A range other than '..'", "tiles are not sliced; write x[.., None] or x[None, ..]");
        if (args[axis].Value is not IFieldReferenceOperation { Field.Name: "None" })
            throw Report(DiagnosticDescriptors.UnsupportedExpression, args[axis].Value, "This index", "write None (from 'using static TileDsl.Tl;')");
        return ShapeSemantics.ExpandDims(b, Expression(indexer.Instance!), axis);
    }

    private int? MaskArgument(IArgumentOperation? argument)
    {
        if (IsDefault(argument)) return null;
        var value = argument!.Value is IConversionOperation conversion ? conversion.Operand : argument.Value;
        if (value.ConstantValue is { HasValue: true, Value: null } || value is IDefaultValueOperation) return null;
        int mask = Expression(argument.Value);
        if (b.Type(mask).Element != ElementType.Bool) throw Silent();
        return mask;
    }

    /// <summary>The value of an enum argument known when generating: a C# constant, or a conditional whose condition
    /// is (a constant argument of a helper: <c>TF32 == 1 ? InputPrecision.Tf32 : InputPrecision.Ieee</c>).</summary>
    private int ConstantEnum(IOperation op, string what)
    {
        if (op.ConstantValue is { HasValue: true, Value: int value }) return value;
        if (op is IConditionalOperation { WhenFalse: { } whenFalse } conditional && b.TryConstant(Expression(conditional.Condition), out var taken) && taken is bool choice)
            return ConstantEnum(choice ? conditional.WhenTrue : whenFalse, what);
        throw Report(DiagnosticDescriptors.NotConstant, op, what);
    }

    private int ConstantInt(IOperation op, string what)
    {
        int id = Expression(op);
        return b.ConstantInt(id) ?? throw Report(DiagnosticDescriptors.NotConstant, op, what);
    }
}
