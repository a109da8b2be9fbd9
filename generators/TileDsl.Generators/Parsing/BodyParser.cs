using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// Parse: walks a kernel's Roslyn operation tree for one constexpr specialization and builds its tile IR, inferring
/// every value's element type and static shape. Unsupported code becomes a TD diagnostic; C# errors stop it silently
/// (the compiler reports those).
/// </summary>
internal sealed class BodyParser
{
    /// <summary>Per-thread registers one value may take; beyond this the generated kernel would spill.</summary>
    public const int MaxRegistersPerThread = 256;

    private const int MaxUnroll = 256;

    private readonly IMethodSymbol kernel;
    private readonly int numThreads;
    private readonly Dictionary<IParameterSymbol, int> parameterValues = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, int> locals = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ILocalSymbol> poisoned = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<int, Value> values = new();
    private readonly Dictionary<int, object> constants = new();
    private readonly List<DiagnosticInfo> diagnostics;
    private List<Statement> current = new();
    private bool failed;

    private BodyParser(IMethodSymbol kernel, int numThreads, List<DiagnosticInfo> diagnostics)
    {
        this.kernel = kernel;
        this.numThreads = numThreads;
        this.diagnostics = diagnostics;
    }

    /// <summary>The IR of one specialization, or null when the body has errors (reported to <paramref name="diagnostics"/>).</summary>
    public static Specialization? Parse(
        IMethodSymbol kernel,
        IMethodBodyOperation body,
        IReadOnlyList<(IParameterSymbol Parameter, KernelParameter Model)> parameters,
        EquatableArray<int> constexprValues,
        int numWarps,
        List<DiagnosticInfo> diagnostics)
    {
        var parser = new BodyParser(kernel, numWarps * 32, diagnostics);
        int constexprIndex = 0;
        foreach (var (symbol, model) in parameters)
        {
            parser.parameterValues[symbol] = model.Kind switch
            {
                ParameterKind.Constexpr => parser.Constant(constexprValues[constexprIndex++], ScalarKind.Int),
                ParameterKind.Pointer => parser.Define(new TileType(model.Element, EquatableArray<int>.Empty, model.Name), OpKind.PointerView,
                    new[] { parser.Constant(0, ScalarKind.Int) }, name: model.Name),
                _ => parser.Define(TileType.Scalar(model.Element), OpKind.Param, Array.Empty<int>(), model.Name, name: model.Name),
            };
        }

        var block = body.BlockBody ?? body.ExpressionBody;
        if (block is null) return null;
        parser.Statements(block.Operations, topLevel: true);
        return parser.failed ? null : new Specialization(constexprValues, numWarps, parser.current.ToEquatableArray());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Statements

    private void Statements(IEnumerable<IOperation> operations, bool topLevel = false)
    {
        var list = operations.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            try
            {
                if (topLevel && i == list.Count - 1 && list[i] is IReturnOperation { ReturnedValue: null }) continue;
                Statement(list[i]);
            }
            catch (AbortException)
            {
                // Reported (or a C# error); go on with the next statement to find more problems.
            }
        }
    }

    private void Statement(IOperation op)
    {
        switch (op)
        {
            case IBlockOperation block:
                Statements(block.Operations);
                break;
            case IEmptyOperation:
                break;
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                    foreach (var declarator in declaration.Declarators) Declare(declarator);
                break;
            case IExpressionStatementOperation { Operation: var expression }:
                ExpressionStatement(expression);
                break;
            case IForLoopOperation loop:
                RuntimeLoop(loop);
                break;
            case IForEachLoopOperation loop:
                StaticLoop(loop);
                break;
            case IConditionalOperation conditional:
                StaticIf(conditional);
                break;
            case IReturnOperation { ReturnedValue: null }:
                throw Report(DiagnosticDescriptors.UnsupportedStatement, op, "An early 'return'", "a program instance runs to the end of the kernel; mask the work it should skip instead");
            case IInvalidOperation:
                throw Silent();
            default:
                throw Report(DiagnosticDescriptors.UnsupportedStatement, op, Describe(op), StatementAdvice(op));
        }
    }

    private void Declare(IVariableDeclaratorOperation declarator)
    {
        var local = declarator.Symbol;
        if (local.IsConst) return; // uses carry the constant value
        var initializer = declarator.Initializer?.Value ?? declarator.GetVariableInitializer()?.Value;
        if (initializer is null)
            throw Report(DiagnosticDescriptors.UnsupportedStatement, declarator, $"Declaring '{local.Name}' without a value", $"initialize it where it is declared, e.g. 'var {local.Name} = Zeros<float>(BLOCK);'");
        Assign(local, () => Expression(initializer));
    }

    private void Assign(ILocalSymbol local, Func<int> compute)
    {
        try
        {
            int id = compute();
            locals[local] = Named(id, local.Name);
            poisoned.Remove(local);
        }
        catch (AbortException)
        {
            poisoned.Add(local);
            throw;
        }
    }

    private void ExpressionStatement(IOperation expression)
    {
        switch (expression)
        {
            case ISimpleAssignmentOperation assignment:
                Assign(TargetLocal(assignment.Target), () => Expression(assignment.Value));
                break;
            case ICompoundAssignmentOperation compound:
            {
                var local = TargetLocal(compound.Target);
                Assign(local, () => Operator(compound, compound.OperatorMethod, compound.OperatorKind, new[] { compound.Target, compound.Value }));
                break;
            }
            case IIncrementOrDecrementOperation increment:
            {
                var local = TargetLocal(increment.Target);
                string template = increment.Kind == OperationKind.Increment ? "{0} + 1" : "{0} - 1";
                Assign(local, () => Elementwise(template, new[] { Expression(increment.Target) }, ScalarKind.Int, increment, BinaryOperatorKind.None));
                break;
            }
            case IInvocationOperation invocation when OpKindOf(invocation.TargetMethod) is "Store" or "AtomicAdd":
                Store(invocation, atomic: OpKindOf(invocation.TargetMethod) == "AtomicAdd");
                break;
            case IInvocationOperation invocation:
                Expression(invocation);
                throw Report(DiagnosticDescriptors.UnsupportedStatement, expression, "A call whose value is discarded", "assign the tile to a variable, or remove the call");
            case IInvalidOperation:
                throw Silent();
            default:
                throw Report(DiagnosticDescriptors.UnsupportedStatement, expression, Describe(expression), StatementAdvice(expression));
        }
    }

    private ILocalSymbol TargetLocal(IOperation target) => target switch
    {
        ILocalReferenceOperation reference => reference.Local,
        IParameterReferenceOperation parameter => throw Report(DiagnosticDescriptors.UnsupportedStatement, target,
            $"Assigning to parameter '{parameter.Parameter.Name}'", $"declare a local instead: 'var {parameter.Parameter.Name}2 = ...;'"),
        IInvalidOperation => throw Silent(),
        _ => throw Report(DiagnosticDescriptors.UnsupportedStatement, target, "Assigning to " + Describe(target).ToLowerInvariant(),
            "assign to local variables; write memory with Store(pointers, value, mask)"),
    };

    private void Store(IInvocationOperation invocation, bool atomic)
    {
        var args = ArgumentsInOrder(invocation);
        int pointers = Expression(args[0].Value);
        int data = Expression(args[1].Value);
        int mask = MaskArgument(args.Count > 2 ? args[2] : null);
        var shape = Type(pointers).Shape;
        RequireBroadcastsTo(shape, Type(data).Shape, invocation, "Store value");
        if (mask >= 0) RequireBroadcastsTo(shape, Type(mask).Shape, invocation, "Store mask");
        current.Add(new StoreTo(pointers, Align(data, shape.Count), mask < 0 ? -1 : Align(mask, shape.Count), atomic));
    }

    private void RuntimeLoop(IForLoopOperation loop)
    {
        var (indexLocal, startOp) = LoopHeader(loop);
        if (loop.Condition is not IBinaryOperation { LeftOperand: ILocalReferenceOperation left } condition
            || !SymbolEqualityComparer.Default.Equals(left.Local, indexLocal)
            || condition.OperatorKind is not (BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual))
            throw Report(DiagnosticDescriptors.LoopForm, loop.Condition ?? (IOperation)loop, $"The loop condition must read '{indexLocal.Name} < end'");
        int step = LoopStep(loop, indexLocal);
        int start = Expression(startOp);
        int end = Expression(condition.RightOperand);
        RequireScalarInt(start, startOp);
        RequireScalarInt(end, condition.RightOperand);

        foreach (var assigned in AssignedLocals(loop.Body))
        {
            if (SymbolEqualityComparer.Default.Equals(assigned.Local, indexLocal))
                throw Report(DiagnosticDescriptors.LoopForm, assigned.Syntax, $"The loop body assigns the loop index '{indexLocal.Name}'");
        }

        var carried = AssignedLocals(loop.Body).Select(r => r.Local)
            .Where(l => locals.ContainsKey(l) || poisoned.Contains(l))
            .Distinct(SymbolEqualityComparer.Default).Cast<ILocalSymbol>().ToList();
        if (carried.Any(poisoned.Contains)) throw Silent();

        var inits = carried.Select(l => locals[l]).ToList();
        var args = carried.Select((l, i) => NewValue(Type(inits[i]), OpKind.LoopArg, Array.Empty<int>(), name: l.Name)).ToList();
        var index = NewValue(TileType.Scalar(ScalarKind.Int), OpKind.LoopIndex, Array.Empty<int>(), name: indexLocal.Name);

        var outer = current;
        current = new List<Statement>();
        List<Statement> body;
        List<int> yields;
        try
        {
            for (int i = 0; i < carried.Count; i++) locals[carried[i]] = args[i].Id;
            locals[indexLocal] = index.Id;
            Statement(loop.Body);
            if (carried.Any(poisoned.Contains)) throw Silent();
            yields = carried.Select(l => locals[l]).ToList();
            body = current;
        }
        finally
        {
            current = outer;
        }

        for (int i = 0; i < carried.Count; i++)
        {
            var before = Type(inits[i]);
            var after = Type(yields[i]);
            if (!before.Shape.Equals(after.Shape))
                throw Report(DiagnosticDescriptors.LoopCarriedType, loop, carried[i].Name, before.ShapeText, after.ShapeText);
        }

        var results = carried.Select((l, i) => NewValue(Type(inits[i]), OpKind.LoopResult, Array.Empty<int>(), name: l.Name)).ToList();
        current.Add(new Loop(index, start, end, condition.OperatorKind == BinaryOperatorKind.LessThanOrEqual, step,
            inits.ToEquatableArray(), args.ToEquatableArray(), body.ToEquatableArray(), yields.ToEquatableArray(), results.ToEquatableArray()));
        for (int i = 0; i < carried.Count; i++) locals[carried[i]] = results[i].Id;
    }

    private (ILocalSymbol Index, IOperation Start) LoopHeader(IForLoopOperation loop)
    {
        if (loop.Before.Length == 1
            && loop.Before[0] is IVariableDeclarationGroupOperation { Declarations.Length: 1 } group
            && group.Declarations[0].Declarators.Length == 1
            && group.Declarations[0].Declarators[0] is var declarator
            && declarator.Symbol.Type.SpecialType == SpecialType.System_Int32
            && (declarator.Initializer ?? declarator.GetVariableInitializer()) is { } init)
            return (declarator.Symbol, init.Value);
        throw Report(DiagnosticDescriptors.LoopForm, loop, "The loop must declare one int index");
    }

    private int LoopStep(IForLoopOperation loop, ILocalSymbol index)
    {
        if (loop.AtLoopBottom.Length == 1)
        {
            var bottom = loop.AtLoopBottom[0] is IExpressionStatementOperation statement ? statement.Operation : loop.AtLoopBottom[0];
            switch (bottom)
            {
                case IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target }
                    when SymbolEqualityComparer.Default.Equals(target.Local, index):
                    return Constant(1, ScalarKind.Int);
                case ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Target: ILocalReferenceOperation target } compound
                    when SymbolEqualityComparer.Default.Equals(target.Local, index):
                    int step = Expression(compound.Value);
                    RequireScalarInt(step, compound.Value);
                    if (constants.TryGetValue(step, out var c) && (int)c <= 0)
                        throw Report(DiagnosticDescriptors.LoopForm, compound.Value, $"The loop step is {c}; it must be positive");
                    return step;
            }
        }
        throw Report(DiagnosticDescriptors.LoopForm, loop, $"The loop must advance with '{index.Name}++' or '{index.Name} += step'");
    }

    private static IEnumerable<ILocalReferenceOperation> AssignedLocals(IOperation body)
        => body.Descendants().Select(d => d switch
        {
            ISimpleAssignmentOperation a => a.Target,
            ICompoundAssignmentOperation c => c.Target,
            IIncrementOrDecrementOperation i => i.Target,
            _ => null,
        }).OfType<ILocalReferenceOperation>();

    private void StaticLoop(IForEachLoopOperation loop)
    {
        var collection = loop.Collection is IConversionOperation conversion ? conversion.Operand : loop.Collection;
        if (collection is not IInvocationOperation invocation || OpKindOf(invocation.TargetMethod) != "StaticRange")
            throw Report(DiagnosticDescriptors.LoopForm, loop.Collection, "A foreach loop must run over StaticRange(start, end)");
        if (loop.LoopControlVariable is not IVariableDeclaratorOperation { Symbol: var local })
            throw Report(DiagnosticDescriptors.LoopForm, loop, "The foreach loop must declare its variable");
        var args = ArgumentsInOrder(invocation);
        int start = ConstantInt(args[0].Value, "StaticRange start");
        int end = ConstantInt(args[1].Value, "StaticRange end");
        if (end - start > MaxUnroll)
            throw Report(DiagnosticDescriptors.UnrollTooLong, invocation, start, end, end - start, MaxUnroll);
        for (int i = start; i < end; i++)
        {
            locals[local] = Constant(i, ScalarKind.Int);
            Statement(loop.Body);
        }
    }

    private void StaticIf(IConditionalOperation conditional)
    {
        int condition = Expression(conditional.Condition);
        if (!constants.TryGetValue(condition, out var value) || value is not bool taken)
            throw Report(DiagnosticDescriptors.UnsupportedStatement, conditional, "An 'if' on a runtime condition",
                "only conditions known at compile time (constants, [Constexpr] parameters) may choose code; for data use Where(condition, a, b) or a Load/Store mask");
        var branch = taken ? conditional.WhenTrue : conditional.WhenFalse;
        if (branch is not null) Statement(branch);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Expressions

    private int Expression(IOperation op)
    {
        if (op.ConstantValue.HasValue && op.ConstantValue.Value is int or float or double or bool)
            return Constant(op.ConstantValue.Value, KindOf(op.Type!, op));

        switch (op)
        {
            case ILocalReferenceOperation local:
                if (poisoned.Contains(local.Local)) throw Silent();
                return locals.TryGetValue(local.Local, out int id) ? id : throw Silent();
            case IParameterReferenceOperation parameter:
                return parameterValues.TryGetValue(parameter.Parameter, out int p) ? p : throw Silent();
            case IConversionOperation conversion:
                return Conversion(conversion);
            case IBinaryOperation binary:
                return Operator(binary, binary.OperatorMethod, binary.OperatorKind, new[] { binary.LeftOperand, binary.RightOperand });
            case IUnaryOperation unary:
                return Unary(unary);
            case IInvocationOperation invocation:
                return Invocation(invocation);
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when OpKindOf(indexer.Property) == "ExpandDims":
                return ExpandDims(indexer);
            case IConditionalOperation { WhenFalse: not null } ternary:
            {
                int condition = Expression(ternary.Condition);
                if (constants.TryGetValue(condition, out var known) && known is bool taken)
                    return Expression(taken ? ternary.WhenTrue : ternary.WhenFalse);
                int a = Expression(ternary.WhenTrue), b = Expression(ternary.WhenFalse);
                if (!Type(a).IsScalar || !Type(b).IsScalar)
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, ternary, "The conditional operator on tiles", "write Where(condition, a, b)");
                return Elementwise("{0} ? {1} : {2}", new[] { condition, a, b }, KindOf(ternary.Type!, ternary), ternary, BinaryOperatorKind.None);
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
        if (conversion.Conversion.IsIdentity || conversion.Conversion.IsReference || conversion.Conversion.IsNullable)
        {
            if (operand.ConstantValue is { HasValue: true, Value: null })
                throw Report(DiagnosticDescriptors.UnsupportedExpression, conversion, "'null'", "omit the optional mask argument instead of passing null");
            return Expression(operand);
        }
        if (conversion.Conversion.IsNumeric && conversion.Type is { } target)
        {
            int value = Expression(operand);
            return Cast(value, KindOf(target, conversion), conversion);
        }
        throw Report(DiagnosticDescriptors.UnsupportedExpression, conversion, $"Converting '{operand.Type?.ToDisplayString()}' to '{conversion.Type?.ToDisplayString()}'", "use int, float, double and bool values, and x.To<T>() for tiles");
    }

    private int Operator(IOperation op, IMethodSymbol? method, BinaryOperatorKind kind, IOperation[] operands)
    {
        if (method is not null)
        {
            string template = ElementwiseTemplate(method) ?? throw Report(DiagnosticDescriptors.NotDslMethod, op, method.ToDisplayString());
            var args = operands.Select(Expression).ToArray();
            return Elementwise(template, args, KindOf(method.ReturnType, op), op, kind);
        }
        string? symbol = BuiltinSymbol(kind);
        if (symbol is null)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, op, $"The operator '{kind}'", "use + - * / % comparisons & | && || and the ops of TileDsl.Tl");
        var scalars = operands.Select(Expression).ToArray();
        return Elementwise("{0} " + symbol + " {1}", scalars, KindOf(op.Type!, op), op, kind);
    }

    private int Unary(IUnaryOperation unary)
    {
        if (unary.OperatorMethod is { } method)
        {
            string rule = ElementwiseTemplate(method) ?? throw Report(DiagnosticDescriptors.NotDslMethod, unary, method.ToDisplayString());
            return Elementwise(rule, new[] { Expression(unary.Operand) }, KindOf(method.ReturnType, unary), unary, BinaryOperatorKind.None);
        }
        int operand = Expression(unary.Operand);
        string? template = unary.OperatorKind switch
        {
            UnaryOperatorKind.Minus => "-{0}",
            UnaryOperatorKind.Not => "!{0}",
            UnaryOperatorKind.BitwiseNegation => "~{0}",
            UnaryOperatorKind.Plus => "{0}",
            _ => null,
        };
        if (template is null)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, unary, $"The operator '{unary.OperatorKind}'", "use - ! ~");
        if (template == "{0}") return operand;
        if (constants.TryGetValue(operand, out var c))
        {
            object? folded = c switch
            {
                int i when template == "-{0}" => -i,
                int i when template == "~{0}" => ~i,
                bool b when template == "!{0}" => !b,
                _ => null,
            };
            if (folded is not null) return Constant(folded, Type(operand).Kind);
        }
        return Elementwise(template, new[] { operand }, KindOf(unary.Type!, unary), unary, BinaryOperatorKind.None);
    }

    private int Invocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (IsTileKernel(method))
        {
            bool self = SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, kernel.OriginalDefinition);
            throw Report(DiagnosticDescriptors.KernelCall, invocation, kernel.Name, method.Name, self ? " (itself)" : "");
        }

        var args = ArgumentsInOrder(invocation);
        string? template = ElementwiseTemplate(method);
        if (template is not null)
        {
            var operands = args.Select(a => Expression(a.Value)).ToArray();
            if (method.Name == "Cdiv" && operands.All(constants.ContainsKey))
            {
                int a = (int)constants[operands[0]], b = (int)constants[operands[1]];
                if (b != 0) return Constant((a + b - 1) / b, ScalarKind.Int);
            }
            return Elementwise(template, operands, KindOf(method.ReturnType, invocation), invocation, BinaryOperatorKind.None);
        }

        switch (OpKindOf(method))
        {
            case "ProgramId":
            case "NumPrograms":
            {
                int axis = ConstantInt(args[0].Value, $"The axis of {method.Name}");
                if (axis is < 0 or > 2)
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, args[0].Value, $"{method.Name}({axis})", "program axes are 0, 1 and 2");
                var kind = method.Name == "ProgramId" ? OpKind.ProgramId : OpKind.NumPrograms;
                return Define(TileType.Scalar(ScalarKind.Int), kind, Array.Empty<int>(), "XYZ"[axis].ToString());
            }
            case "Arange":
            {
                int start = ConstantInt(args[0].Value, "The start of Arange");
                int end = ConstantInt(args[1].Value, "The end of Arange");
                RequirePowerOfTwo(end - start, "The length of Arange", invocation);
                return Tile(new TileType(ScalarKind.Int, EquatableArray.Of(end - start)), OpKind.Arange, Array.Empty<int>(), invocation, start: start);
            }
            case "Zeros":
            case "Full":
            {
                var kind = KindOf(method.TypeArguments[0], invocation);
                bool full = method.Name == "Full";
                int rank = args.Count - (full ? 1 : 0);
                var shape = new int[rank];
                for (int i = 0; i < rank; i++)
                {
                    shape[i] = ConstantInt(args[i].Value, $"Dimension {i} of {method.Name}");
                    RequirePowerOfTwo(shape[i], $"Dimension {i} of {method.Name}", args[i].Value);
                }
                int fill = full ? Expression(args[rank].Value) : Constant(kind == ScalarKind.Bool ? false : 0, kind);
                return Tile(new TileType(kind, shape.ToEquatableArray()), OpKind.Full, new[] { fill }, invocation);
            }
            case "Load":
            {
                int pointers = Expression(args[0].Value);
                var pointerType = Type(pointers);
                int mask = MaskArgument(args.Count > 1 ? args[1] : null);
                var shape = mask < 0 ? pointerType.Shape : Broadcast(pointerType.Shape, Type(mask).Shape, invocation, "Load");
                int other = args.Count > 2 && args[2].ArgumentKind != ArgumentKind.DefaultValue
                    ? Expression(args[2].Value)
                    : Constant(pointerType.Kind == ScalarKind.Bool ? false : 0, pointerType.Kind);
                var operands = new[] { Align(pointers, shape.Count), mask < 0 ? -1 : Align(mask, shape.Count), other };
                var loaded = new TileType(pointerType.Kind, shape);
                return loaded.IsScalar ? Define(loaded, OpKind.Load, operands) : Tile(loaded, OpKind.Load, operands, invocation);
            }
            case "Cast":
            {
                int source = Expression(invocation.Instance!);
                return Cast(source, KindOf(method.TypeArguments[0], invocation), invocation);
            }
            case "Reduce":
                return Reduce(invocation, method, args);
            case "Dot":
                return Dot(invocation, args);
            case "Trans":
            {
                int source = Expression(args[0].Value);
                var type = Type(source);
                if (type.Rank != 2)
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, "Trans of a tile of shape " + type.ShapeText, "Trans takes a 2-D tile");
                return Define(type.WithShape(EquatableArray.Of(type.Shape[1], type.Shape[0])), OpKind.Trans, new[] { source });
            }
            case "Store":
            case "AtomicAdd":
                throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, method.Name + " inside an expression", $"call {method.Name} as a statement of its own");
            case "StaticRange":
                throw Report(DiagnosticDescriptors.LoopForm, invocation, "StaticRange outside a foreach loop");
        }
        throw Report(DiagnosticDescriptors.NotDslMethod, invocation, method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat));
    }

    /// <summary>Sum, Max, Min, Argmax: along a constant axis, or over all elements (rank 2 reduces axis 1, then 0).</summary>
    private int Reduce(IInvocationOperation invocation, IMethodSymbol method, List<IArgumentOperation> args)
    {
        int source = Expression(args[0].Value);
        var type = Type(source);
        if (type.IsScalar)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, $"{method.Name} of a scalar", $"{method.Name} takes a tile");
        var resultKind = KindOf(method.ReturnType, invocation);
        if (type.Kind == ScalarKind.Bool)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, $"{method.Name} of a bool tile", "convert it first: x.To<int>()");
        if (args.Count == 1)
        {
            if (method.Name == "Argmax" && type.Rank != 1)
                throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, "Argmax over all elements of a 2-D tile",
                    "reduce one axis at a time: Argmax(x, axis)");
            int value = source;
            for (int axis = type.Rank - 1; axis >= 0; axis--)
                value = ReduceAxis(value, axis, false, method.Name, resultKind, invocation);
            return value;
        }
        int along = ConstantInt(args[1].Value, $"The axis of {method.Name}");
        if (along < 0 || along >= type.Rank)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, args[1].Value, $"Axis {along} of a tile of shape {type.ShapeText}",
                $"use an axis from 0 to {type.Rank - 1}");
        bool keepDims = false;
        if (args.Count > 2 && args[2].ArgumentKind != ArgumentKind.DefaultValue)
        {
            int keep = Expression(args[2].Value);
            if (!constants.TryGetValue(keep, out var k) || k is not bool b)
                throw Report(DiagnosticDescriptors.NotConstant, args[2].Value, $"The keepDims argument of {method.Name}");
            keepDims = b;
        }
        return ReduceAxis(source, along, keepDims, method.Name, resultKind, invocation);
    }

    private int ReduceAxis(int source, int axis, bool keepDims, string combine, ScalarKind resultKind, IOperation site)
    {
        var shape = Type(source).Shape;
        var result = keepDims
            ? shape.Select((d, j) => j == axis ? 1 : d).ToEquatableArray()
            : shape.Where((_, j) => j != axis).ToEquatableArray();
        var type = new TileType(resultKind, result);
        return type.IsScalar
            ? Define(type, OpKind.Reduce, new[] { source }, combine, axis)
            : Tile(type, OpKind.Reduce, new[] { source }, site, combine, axis);
    }

    private int Dot(IInvocationOperation invocation, List<IArgumentOperation> args)
    {
        int a = Expression(args[0].Value), b = Expression(args[1].Value);
        int acc = args.Count > 2 ? Expression(args[2].Value) : -1;
        var ta = Type(a);
        var tb = Type(b);
        if (ta.Kind is not (ScalarKind.Float or ScalarKind.Double))
            throw Report(DiagnosticDescriptors.UnsupportedExpression, invocation, $"Dot of {ta.CsType} tiles", "convert the operands to float: x.To<float>()");
        if (ta.Rank != 2 || tb.Rank != 2 || ta.Shape[1] != tb.Shape[0])
            throw Report(DiagnosticDescriptors.DotShape, invocation, ta.ShapeText, tb.ShapeText, "");
        var shape = EquatableArray.Of(ta.Shape[0], tb.Shape[1]);
        if (acc >= 0 && !Type(acc).Shape.Equals(shape))
            throw Report(DiagnosticDescriptors.DotShape, args[2].Value, ta.ShapeText, tb.ShapeText, " with an accumulator of shape " + Type(acc).ShapeText);
        return Tile(new TileType(ta.Kind, shape), OpKind.Dot, new[] { a, b, acc }, invocation);
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
        int source = Expression(indexer.Instance!);
        var type = Type(source);
        if (type.Rank != 1)
            throw Report(DiagnosticDescriptors.RankTooHigh, indexer, "Adding an axis to a tile of shape " + type.ShapeText, type.Rank + 1);
        var shape = axis == 0 ? EquatableArray.Of(1, type.Shape[0]) : EquatableArray.Of(type.Shape[0], 1);
        return Define(type.WithShape(shape), OpKind.ExpandDims, new[] { source }, start: axis);
    }

    private int Elementwise(string template, int[] operands, ScalarKind resultKind, IOperation op, BinaryOperatorKind kind)
    {
        var types = operands.Select(Type).ToArray();
        var shape = EquatableArray<int>.Empty;
        foreach (var t in types.Where(t => !t.IsScalar))
            shape = Broadcast(shape, t.Shape, op, op.Syntax.ToString());

        string? pointerParam = types.FirstOrDefault(t => t.IsPointer)?.PointerParam;
        if (pointerParam is not null)
            return PointerAdd(operands, types, shape, op);

        if (shape.Count == 0 && operands.All(constants.ContainsKey))
        {
            var folded = Fold(kind, operands.Select(o => constants[o]).ToArray());
            if (folded is not null) return Constant(folded, resultKind);
        }
        var aligned = operands.Select(o => Align(o, shape.Count)).ToArray();
        var type = new TileType(resultKind, shape);
        return type.IsScalar
            ? Define(type, OpKind.Elementwise, aligned, template)
            : Tile(type, OpKind.Elementwise, aligned, op, template);
    }

    /// <summary>Pointers are views of int offsets into one parameter: <c>p + offsets</c> adds to p's offsets.</summary>
    private int PointerAdd(int[] operands, TileType[] types, EquatableArray<int> shape, IOperation op)
    {
        // The C# surface only has Ptr<T> + int and PtrTile<T> + Tile<int>: the pointer is the first operand.
        var pointer = values[operands[0]];
        if (pointer.Op != OpKind.PointerView)
            throw Report(DiagnosticDescriptors.UnsupportedExpression, op, "Advancing a pointer tile carried by a loop",
                "compute the pointers from the loop index inside the loop, e.g. 'a + (offsets + k * stride)'");
        int baseOffsets = pointer.Args[0];
        int offsets = constants.TryGetValue(baseOffsets, out var zero) && (int)zero == 0
            ? operands[1]
            : Elementwise("{0} + {1}", new[] { baseOffsets, operands[1] }, ScalarKind.Int, op, BinaryOperatorKind.Add);
        return Define(types[0].WithShape(shape), OpKind.PointerView, new[] { Align(offsets, shape.Count) });
    }

    private int Cast(int value, ScalarKind kind, IOperation op)
    {
        var type = Type(value);
        if (type.Kind == kind) return value;
        if (constants.TryGetValue(value, out var c))
        {
            double d = c is bool b ? (b ? 1 : 0) : Convert.ToDouble(c, CultureInfo.InvariantCulture);
            object converted = kind switch
            {
                ScalarKind.Int => (object)(int)d,
                ScalarKind.Float => (float)d,
                ScalarKind.Double => d,
                _ => d != 0,
            };
            return Constant(converted, kind);
        }
        var result = new TileType(kind, type.Shape);
        return result.IsScalar ? Define(result, OpKind.Cast, new[] { value }) : Tile(result, OpKind.Cast, new[] { value }, op);
    }

    private int MaskArgument(IArgumentOperation? argument)
    {
        if (argument is null || argument.ArgumentKind == ArgumentKind.DefaultValue) return -1;
        var value = argument.Value is IConversionOperation conversion ? conversion.Operand : argument.Value;
        if (value.ConstantValue is { HasValue: true, Value: null } || value is IDefaultValueOperation) return -1;
        int mask = Expression(argument.Value);
        if (Type(mask).Kind != ScalarKind.Bool) throw Silent();
        return mask;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Values, shapes and constants

    private Value NewValue(TileType type, OpKind op, int[] args, string text = "", int start = 0, string name = "")
    {
        var value = new Value(values.Count, type, op, args.ToEquatableArray(), text, start, name);
        values[value.Id] = value;
        return value;
    }

    private int Define(TileType type, OpKind op, int[] args, string text = "", int start = 0, string name = "")
    {
        var value = NewValue(type, op, args, text, start, name);
        current.Add(new Define(value));
        return value.Id;
    }

    private int Tile(TileType type, OpKind op, int[] args, IOperation site, string text = "", int start = 0)
    {
        int elements = type.Shape.Aggregate(1, (a, b) => a * b);
        int registers = Math.Max(1, elements / numThreads);
        if (registers > MaxRegistersPerThread)
            throw Report(DiagnosticDescriptors.TileTooLarge, site, $"'{site.Syntax}'", type.ShapeText, registers, numThreads, MaxRegistersPerThread);
        return Define(type, op, args, text, start);
    }

    private int Constant(object value, ScalarKind kind)
    {
        value = kind switch
        {
            ScalarKind.Int when value is not int => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            ScalarKind.Float when value is not float => Convert.ToSingle(value, CultureInfo.InvariantCulture),
            ScalarKind.Double when value is not double => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            _ => value,
        };
        int id = Define(TileType.Scalar(kind), OpKind.Const, Array.Empty<int>(), Literal(value, kind));
        constants[id] = value;
        return id;
    }

    /// <summary>Gives the value the name of the local it is assigned to, if it has none yet and was just defined.</summary>
    private int Named(int id, string name)
    {
        var value = values[id];
        if (value.Name.Length > 0 || value.Op == OpKind.Const || current.Count == 0 || current[current.Count - 1] is not Define { Value.Id: var last } || last != id)
            return id;
        var named = value with { Name = name };
        values[id] = named;
        current[current.Count - 1] = new Define(named);
        return id;
    }

    private TileType Type(int id) => values[id].Type;

    /// <summary>Gives a tile operand the rank of the result by adding leading axes (Triton's broadcasting).</summary>
    private int Align(int id, int rank)
    {
        var type = Type(id);
        if (type.IsScalar || type.Rank == rank) return id;
        return Define(type.WithShape(EquatableArray.Of(1, type.Shape[0])), OpKind.ExpandDims, new[] { id }, start: 0);
    }

    private EquatableArray<int> Broadcast(EquatableArray<int> a, EquatableArray<int> b, IOperation op, string what)
    {
        int rank = Math.Max(a.Count, b.Count);
        if (rank > 2) throw Report(DiagnosticDescriptors.RankTooHigh, op, $"'{what}'", rank);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - rank + a.Count >= 0 ? a[i - rank + a.Count] : 1;
            int db = i - rank + b.Count >= 0 ? b[i - rank + b.Count] : 1;
            if (da != db && da != 1 && db != 1)
                throw Report(DiagnosticDescriptors.ShapeMismatch, op, "[" + string.Join(", ", a) + "]", "[" + string.Join(", ", b) + "]", what);
            result[i] = Math.Max(da, db);
        }
        return result.ToEquatableArray();
    }

    private void RequireBroadcastsTo(EquatableArray<int> target, EquatableArray<int> source, IOperation op, string what)
    {
        if (!Broadcast(target, source, op, what).Equals(target))
            throw Report(DiagnosticDescriptors.ShapeMismatch, op, "[" + string.Join(", ", target) + "]", "[" + string.Join(", ", source) + "]", what);
    }

    private void RequirePowerOfTwo(int size, string what, IOperation op)
    {
        if (size <= 0 || (size & (size - 1)) != 0) throw Report(DiagnosticDescriptors.NotPowerOfTwo, op, what, size);
    }

    private void RequireScalarInt(int id, IOperation op)
    {
        var type = Type(id);
        if (!type.IsScalar || type.Kind != ScalarKind.Int || type.IsPointer)
            throw Report(DiagnosticDescriptors.LoopForm, op, $"A loop bound of type {type.CsType}{(type.IsScalar ? "" : " tile")} must be an int scalar");
    }

    private int ConstantInt(IOperation op, string what)
    {
        int id = Expression(op);
        return constants.TryGetValue(id, out var c) && c is int i ? i : throw Report(DiagnosticDescriptors.NotConstant, op, what);
    }

    private static object? Fold(BinaryOperatorKind kind, object[] operands)
    {
        if (operands.Length != 2) return null;
        try
        {
            return (operands[0], operands[1]) switch
            {
                (int a, int b) => kind switch
                {
                    BinaryOperatorKind.Add => unchecked(a + b),
                    BinaryOperatorKind.Subtract => unchecked(a - b),
                    BinaryOperatorKind.Multiply => unchecked(a * b),
                    BinaryOperatorKind.Divide when b != 0 => a / b,
                    BinaryOperatorKind.Remainder when b != 0 => a % b,
                    BinaryOperatorKind.LeftShift => a << b,
                    BinaryOperatorKind.RightShift => a >> b,
                    BinaryOperatorKind.And => a & b,
                    BinaryOperatorKind.Or => a | b,
                    BinaryOperatorKind.LessThan => a < b,
                    BinaryOperatorKind.LessThanOrEqual => a <= b,
                    BinaryOperatorKind.GreaterThan => a > b,
                    BinaryOperatorKind.GreaterThanOrEqual => a >= b,
                    BinaryOperatorKind.Equals => a == b,
                    BinaryOperatorKind.NotEquals => a != b,
                    _ => null,
                },
                (bool a, bool b) => kind switch
                {
                    BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.And => a && b,
                    BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.Or => a || b,
                    BinaryOperatorKind.Equals => a == b,
                    BinaryOperatorKind.NotEquals => a != b,
                    _ => null,
                },
                _ => null,
            };
        }
        catch (ArithmeticException)
        {
            return null;
        }
    }

    private static string? BuiltinSymbol(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "+",
        BinaryOperatorKind.Subtract => "-",
        BinaryOperatorKind.Multiply => "*",
        BinaryOperatorKind.Divide => "/",
        BinaryOperatorKind.Remainder => "%",
        BinaryOperatorKind.LeftShift => "<<",
        BinaryOperatorKind.RightShift => ">>",
        BinaryOperatorKind.And => "&",
        BinaryOperatorKind.Or => "|",
        BinaryOperatorKind.ExclusiveOr => "^",
        BinaryOperatorKind.ConditionalAnd => "&&",
        BinaryOperatorKind.ConditionalOr => "||",
        BinaryOperatorKind.LessThan => "<",
        BinaryOperatorKind.LessThanOrEqual => "<=",
        BinaryOperatorKind.GreaterThan => ">",
        BinaryOperatorKind.GreaterThanOrEqual => ">=",
        BinaryOperatorKind.Equals => "==",
        BinaryOperatorKind.NotEquals => "!=",
        _ => null,
    };

    public static string Literal(object value, ScalarKind kind) => value switch
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
        _ => throw new ArgumentException($"No literal for {value} ({kind})."),
    };

    // ---------------------------------------------------------------------------------------------------------------
    // Symbols

    private ScalarKind KindOf(ITypeSymbol type, IOperation site)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Int32: return ScalarKind.Int;
            case SpecialType.System_Single: return ScalarKind.Float;
            case SpecialType.System_Double: return ScalarKind.Double;
            case SpecialType.System_Boolean: return ScalarKind.Bool;
        }
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.ContainingNamespace?.ToDisplayString() == "TileDsl"
            && named.Name is "Tile" or "Ptr" or "PtrTile")
            return KindOf(named.TypeArguments[0], site);
        if (type.TypeKind == TypeKind.Error) throw Silent();
        throw Report(DiagnosticDescriptors.UnsupportedType, site, type.ToDisplayString());
    }

    private static List<IArgumentOperation> ArgumentsInOrder(IInvocationOperation invocation)
        => invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();

    private static AttributeData? Attribute(ISymbol symbol, string name)
        => symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "TileDsl." + name);

    private static string? ElementwiseTemplate(IMethodSymbol method)
        => Attribute(method.OriginalDefinition, "ElementwiseAttribute")?.ConstructorArguments.FirstOrDefault().Value as string;

    /// <summary>The <c>TileOpKind</c> name of a structural op, or null.</summary>
    private static string? OpKindOf(ISymbol symbol)
    {
        var attribute = Attribute(symbol.OriginalDefinition, "TileOpAttribute");
        if (attribute?.ConstructorArguments.FirstOrDefault() is not { Value: int kind, Type: INamedTypeSymbol enumType }) return null;
        return enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, kind))?.Name;
    }

    public static bool IsTileKernel(IMethodSymbol method) => Attribute(method.OriginalDefinition, "TileKernelAttribute") is not null;

    // ---------------------------------------------------------------------------------------------------------------
    // Diagnostics

    private sealed class AbortException : Exception
    {
    }

    private AbortException Report(DiagnosticDescriptor descriptor, IOperation op, params object[] args)
        => Report(descriptor, op.Syntax, args);

    private AbortException Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] args)
    {
        failed = true;
        var info = DiagnosticInfo.Create(descriptor, SourceSite.From(syntax.GetLocation()), args);
        if (!diagnostics.Contains(info)) diagnostics.Add(info);
        return new AbortException();
    }

    private AbortException Silent()
    {
        failed = true;
        return new AbortException();
    }

    private static string Describe(IOperation op) => op switch
    {
        IWhileLoopOperation => "A while loop",
        ITryOperation => "try/catch/finally",
        IThrowOperation => "Throwing an exception",
        ISwitchOperation => "A switch statement",
        IUsingOperation => "A using statement",
        ILockOperation => "A lock statement",
        IBranchOperation branch => $"'{branch.Syntax.ToString().TrimEnd(';')}'",
        ILocalFunctionOperation => "A local function",
        IReturnOperation => "Returning a value",
        IAnonymousFunctionOperation or IDelegateCreationOperation => "A lambda",
        IObjectCreationOperation creation => $"Creating a '{creation.Type?.ToDisplayString()}'",
        IArrayCreationOperation or IArrayElementReferenceOperation => "Arrays",
        IFieldReferenceOperation field => $"Reading field '{field.Field.Name}'",
        IPropertyReferenceOperation property => $"Reading property '{property.Property.Name}'",
        IInterpolatedStringOperation or ILiteralOperation { Type.SpecialType: SpecialType.System_String } => "A string",
        IAwaitOperation => "'await'",
        IIsPatternOperation or IIsTypeOperation => "A type or pattern test",
        _ => $"'{op.Syntax}'",
    };

    private static string StatementAdvice(IOperation op) => op switch
    {
        IWhileLoopOperation => "write 'for (int i = start; i < end; i += step)' or 'foreach (var i in StaticRange(start, end))'",
        ITryOperation or IThrowOperation => "a kernel cannot catch or throw; mask off invalid elements instead",
        ISwitchOperation => "choose with Where(condition, a, b), or with 'if' on a [Constexpr] parameter",
        IBranchOperation => "loops run to their bound; mask off the iterations' work instead",
        ILocalFunctionOperation => "inline its code in the kernel",
        _ => "kernels are written with declarations, assignments, Store(...), runtime 'for' loops, 'foreach' over StaticRange and 'if' on constants",
    };

    private static string ExpressionAdvice(IOperation op) => op switch
    {
        IAnonymousFunctionOperation or IDelegateCreationOperation => "write the computation inline with tile ops",
        IFieldReferenceOperation => "pass the value as a kernel parameter, or declare it const",
        IPropertyReferenceOperation => "pass the value as a kernel parameter",
        IObjectCreationOperation or IArrayCreationOperation or IArrayElementReferenceOperation => "use tiles: Zeros, Full, Arange, Load",
        _ => "use the ops of TileDsl.Tl and the operators of tiles",
    };
}
