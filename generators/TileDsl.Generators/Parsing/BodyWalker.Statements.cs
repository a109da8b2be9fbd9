using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

/// <summary>Statements: declarations, assignments, stores, runtime loops, unrolled loops, ifs, early returns.</summary>
internal sealed partial class BodyWalker
{
    /// <summary>Iterations a StaticRange may unroll.</summary>
    private const int MaxUnroll = 256;

    private void Statements(IEnumerable<IOperation> operations, bool topLevel = false)
    {
        var list = operations.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            try
            {
                bool last = topLevel && i == list.Count - 1;
                if (last && list[i] is IReturnOperation { ReturnedValue: null }) continue;
                if (list[i] is IReturnOperation { ReturnedValue: null } && !scope.IsHelper && loopDepth == 0)
                {
                    EarlyReturn();
                    break; // the rest of this block is not reached
                }
                if (last && scope.IsHelper && list[i] is IReturnOperation { ReturnedValue: { } value })
                {
                    scope.Returned = IsTuple(value.Type) ? Tuple(value) : new[] { Expression(value) };
                    continue;
                }
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
            case IWhileLoopOperation loop:
                WhileLoop(loop);
                break;
            case IForEachLoopOperation loop:
                StaticLoop(loop);
                break;
            case IConditionalOperation conditional:
                If(conditional);
                break;
            case IReturnOperation { ReturnedValue: null } when !scope.IsHelper && loopDepth == 0:
                EarlyReturn();
                break;
            case IReturnOperation:
                throw Report(DiagnosticDescriptors.UnsupportedStatement, op, "An early 'return'",
                    scope.IsHelper ? "a [TileFunction] method returns once, at the end of its body; choose values with Where(condition, a, b)"
                        : "a kernel may return early outside runtime loops only; inside one, mask the work it should skip instead");
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
            scope.Values[local] = b.Named(compute(), local.Name);
            scope.Poisoned.Remove(local);
        }
        catch (AbortException)
        {
            scope.Poisoned.Add(local);
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
                Assign(TargetLocal(compound.Target), () => Operator(compound, compound.OperatorMethod, compound.OperatorKind, new[] { compound.Target, compound.Value }));
                break;
            case IIncrementOrDecrementOperation increment:
            {
                var local = TargetLocal(increment.Target);
                var kind = increment.Kind == OperationKind.Increment ? TileOpKind.Add : TileOpKind.Sub;
                Assign(local, () => Guarded(increment, () =>
                    ElementwiseSemantics.Apply(b, kind, new[] { Expression(increment.Target), b.Constant(1, ElementType.Int) }, increment.Syntax.ToString())));
                break;
            }
            case IDeconstructionAssignmentOperation deconstruction:
                Deconstruct(deconstruction);
                break;
            case IInvocationOperation invocation when OpBinding.KindOf(invocation.TargetMethod) is { } kind && MemorySemantics.Writes(kind):
                Store(invocation, kind);
                break;
            case IInvocationOperation invocation when OpBinding.IsTileFunction(invocation.TargetMethod) && invocation.TargetMethod.ReturnsVoid:
                Guarded(invocation, () => InlineHelper(invocation) ?? -1);
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

    /// <summary>Store or an atomic: (pointers, value[, mask]), AtomicCas (pointers, compare, value), an atomic's
    /// constant sem and scope; with <paramref name="returnsOld"/>, an atomic as an expression: the id of its old values.</summary>
    private int Store(IInvocationOperation invocation, TileOpKind kind, bool returnsOld = false)
    {
        var args = ArgumentsInOrder(invocation);
        int pointers = Expression(args[0].Value);
        int? compare = kind == TileOpKind.AtomicCas ? Expression(args[1].Value) : null;
        int data = Expression(args[kind == TileOpKind.AtomicCas ? 2 : 1].Value);
        int? mask = MaskArgument(Named(args, "mask"));
        var order = kind == TileOpKind.Store ? default : AtomicOrder(args);
        return Guarded(invocation, () => MemorySemantics.Store(b, pointers, data, mask, kind != TileOpKind.Store, kind, compare, returnsOld, order));
    }

    /// <summary>An atomic's sem and scope: constants (TD0014 otherwise); the system scope is TD0041.</summary>
    private MemoryOrder AtomicOrder(List<IArgumentOperation> args)
    {
        T Constant<T>(string parameter, T missing) where T : struct, Enum
        {
            if (Named(args, parameter) is not { } argument) return missing;
            if (argument.Value.ConstantValue is not { HasValue: true, Value: int value })
                throw Report(DiagnosticDescriptors.NotConstant, argument.Value, $"The {parameter} argument of an atomic");
            return (T)(object)value;
        }
        var scope = Constant("scope", AtomicScope.Gpu);
        if (scope == AtomicScope.Sys)
            throw Report(DiagnosticDescriptors.UnsupportedAtomicScope, Named(args, "scope")!.Value);
        return new MemoryOrder(Constant("sem", AtomicSem.AcqRel), scope);
    }

    private void RuntimeLoop(IForLoopOperation loop)
    {
        NotInCombiner(loop);
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

        CarryingLoop(loop, loop.Body, () =>
        {
            var index = b.Create(id => new LoopValueOp(id, TileType.Scalar(ElementType.Int), LoopValueKind.Index) { Name = indexLocal.Name });
            scope.Values[indexLocal] = index.Id;
            return new LoopRange(index, start, end, condition.OperatorKind == BinaryOperatorKind.LessThanOrEqual, step);
        }, null);
    }

    /// <summary>
    /// <c>while (c) { ... }</c> and <c>do { ... } while (c);</c> on a scalar bool <c>c</c>, uniform over the program like
    /// a for loop's bounds. The loop is rotated (<see cref="Loop"/>): <c>c</c> is computed before it (for a do loop:
    /// true) and again at the end of the body. Inside an if-converted branch or after an early return, the predicate
    /// joins the first test, so the programs it leaves out do not enter the loop.
    /// </summary>
    private void WhileLoop(IWhileLoopOperation loop)
    {
        NotInCombiner(loop);
        if (loop.Condition is not { } condition) throw Silent();
        NoTileCondition(condition, "a while loop", "reduce it to one bool first, e.g. 'while (Max(Abs(residual)) > tol)' or 'while (Sum(active.To<int>()) > 0)'");
        if (AssignedLocals(condition).FirstOrDefault() is { Parent: { } assignment } assigned)
            throw Report(DiagnosticDescriptors.Condition, assignment, "a while loop", $"assigns '{assigned.Local.Name}'",
                $"assign it in the body: 'while ({assigned.Local.Name} < n) {{ ...; {assigned.Local.Name}++; }}'");

        int first = loop.ConditionIsTop ? Expression(condition) : b.Constant(true, ElementType.Bool);
        if (b.Predicate is { } predicate) first = ElementwiseSemantics.Apply(b, TileOpKind.And, new[] { predicate, first }, "while");
        CarryingLoop(loop, loop.Body, null, (first, () => Expression(condition)));
    }

    /// <summary>
    /// An <c>if</c> or <c>while</c> on a <c>Tile&lt;bool&gt;</c> is a C# error (a tile has no conversion to bool);
    /// TD0042 says what to write instead.
    /// </summary>
    private void NoTileCondition(IOperation condition, string statement, string advice)
    {
        var operand = condition is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : condition;
        if (operand.Type is INamedTypeSymbol { Name: "Tile" } tile && tile.ContainingNamespace?.ToDisplayString() == "TileDsl")
            throw Report(DiagnosticDescriptors.Condition, condition, statement, $"is a {tile.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, one value per element, and {statement} needs one bool for the whole program", advice);
    }

    /// <summary>A combiner is straight-line code: a runtime loop in it is TD0038.</summary>
    private void NotInCombiner(IOperation loop)
    {
        if (b.Combining is { } combining)
            throw Report(DiagnosticDescriptors.Combiner, loop, combining, "has a runtime loop", "a combiner is straight-line code: unroll the loop with 'foreach (var i in StaticRange(start, end))' or write the steps out");
    }

    /// <summary>
    /// A runtime loop over <paramref name="body"/>: a counted one (<paramref name="range"/> makes its header once the
    /// carried values exist) or a while loop (<paramref name="condition"/>: its value before the loop, and how to
    /// compute it at the end of the body). The locals the body assigns are carried across iterations (tiles keep their
    /// shape, TD0020); a carried pointer travels as its int offsets, within its parameter.
    /// </summary>
    private void CarryingLoop(IOperation loop, IOperation body, Func<LoopRange>? range, (int Before, Func<int> After)? condition)
    {
        var carried = AssignedLocals(body).Select(r => r.Local)
            .Where(l => scope.Values.ContainsKey(l) || scope.Poisoned.Contains(l))
            .Distinct(SymbolEqualityComparer.Default).Cast<ILocalSymbol>().ToList();
        if (carried.Any(scope.Poisoned.Contains)) throw Silent();

        // A carried pointer (a tile of pointers advanced each iteration, 'ptrs += BK') travels as its int offsets; the
        // body and the code after the loop see a pointer over them again.
        var pointers = carried.Select(l => b[scope.Values[l]] as PointerOp).ToList();
        var inits = carried.Select((l, i) => pointers[i]?.Offsets ?? scope.Values[l]).ToList();
        var names = carried.Select(l => l.Name).ToList();
        if (condition is { } test)
        {
            // The condition is carried first; the body reads only the locals.
            pointers.Insert(0, null);
            inits.Insert(0, test.Before);
            names.Insert(0, "more");
        }
        int offset = condition is null ? 0 : 1;
        var args = inits.Select((init, i) => b.Create(id => new LoopValueOp(id, b.Type(init), LoopValueKind.Arg) { Name = names[i] })).ToList();
        var header = range?.Invoke();

        var outer = b.Current;
        b.Current = new List<Statement>();
        List<Statement> loopBody;
        List<int> yields;
        try
        {
            for (int i = 0; i < carried.Count; i++) scope.Values[carried[i]] = Pointer(pointers[i + offset], args[i + offset].Id);
            loopDepth++;
            Statement(body);
            if (carried.Any(scope.Poisoned.Contains)) throw Silent();
            yields = carried.Select((l, i) => pointers[i + offset] is { } p ? YieldedOffsets(l, p, loop) : scope.Values[l]).ToList();
            if (condition is { } c) yields.Insert(0, c.After());
            loopBody = b.Current;
        }
        finally
        {
            b.Current = outer;
            loopDepth--;
        }

        for (int i = offset; i < inits.Count; i++)
        {
            var before = b.Type(inits[i]);
            var after = b.Type(yields[i]);
            if (!before.Shape.Equals(after.Shape))
                throw Report(DiagnosticDescriptors.LoopCarriedType, loop, names[i], before.ShapeText, after.ShapeText);
        }

        var results = inits.Select((init, i) => b.Create(id => new LoopValueOp(id, b.Type(init), LoopValueKind.Result) { Name = names[i] })).ToList();
        b.Current.Add(new Loop(header, inits.ToEquatableArray(), args.ToEquatableArray(), loopBody.ToEquatableArray(), yields.ToEquatableArray(), results.ToEquatableArray()));
        for (int i = 0; i < carried.Count; i++) scope.Values[carried[i]] = Pointer(pointers[i + offset], results[i + offset].Id);
    }

    /// <summary>A pointer into <paramref name="like"/>'s parameter at <paramref name="offsets"/> (or the offsets
    /// themselves when the carried value is not a pointer).</summary>
    private int Pointer(PointerOp? like, int offsets)
    {
        if (like is null) return offsets;
        var type = like.Type.WithShape(b.Type(offsets).Shape);
        return b.Define(id => new PointerOp(id, type, offsets) { Name = like.Name });
    }

    /// <summary>The offsets of a carried pointer at the end of the body: still a pointer into the same parameter.</summary>
    private int YieldedOffsets(ILocalSymbol local, PointerOp before, IOperation loop)
    {
        if (b[scope.Values[local]] is PointerOp after && after.Type.PointerParam == before.Type.PointerParam) return after.Offsets;
        throw Report(DiagnosticDescriptors.UnsupportedExpression, loop, $"Assigning '{local.Name}' a pointer into another parameter in the loop",
            "keep a loop-carried pointer in one parameter and advance it with '+='");
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
                    return b.Constant(1, ElementType.Int);
                case ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Target: ILocalReferenceOperation target } compound
                    when SymbolEqualityComparer.Default.Equals(target.Local, index):
                    int step = Expression(compound.Value);
                    RequireScalarInt(step, compound.Value);
                    if (b.ConstantInt(step) is <= 0 and var c)
                        throw Report(DiagnosticDescriptors.LoopForm, compound.Value, $"The loop step is {c}; it must be positive");
                    return step;
            }
        }
        throw Report(DiagnosticDescriptors.LoopForm, loop, $"The loop must advance with '{index.Name}++' or '{index.Name} += step'");
    }

    private static IEnumerable<ILocalReferenceOperation> AssignedLocals(IOperation body)
        => body.Descendants().SelectMany(d => d switch
        {
            ISimpleAssignmentOperation a => new[] { a.Target },
            ICompoundAssignmentOperation c => new[] { c.Target },
            IIncrementOrDecrementOperation i => new[] { i.Target },
            IDeconstructionAssignmentOperation t => t.Target.DescendantsAndSelf().Where(e => e is ILocalReferenceOperation { IsDeclaration: false }),
            _ => Enumerable.Empty<IOperation>(),
        }).OfType<ILocalReferenceOperation>();

    private void StaticLoop(IForEachLoopOperation loop)
    {
        var collection = loop.Collection is IConversionOperation conversion ? conversion.Operand : loop.Collection;
        if (collection is not IInvocationOperation invocation || OpBinding.KindOf(invocation.TargetMethod) != TileOpKind.StaticRange)
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
            scope.Values[local] = b.Constant(i, ElementType.Int);
            Statement(loop.Body);
        }
    }

    /// <summary>
    /// An <c>if</c>: on a compile-time condition it chooses the code; on a runtime scalar bool it is if-converted, as
    /// Triton's masks would write it by hand: both branches run, each under its condition as a predicate that masks
    /// its loads, stores and atomics (and makes its int divisions divide by 1 where they do not apply), and the locals
    /// either branch assigns take <c>Where(condition, then, else)</c> after it.
    /// </summary>
    private void If(IConditionalOperation conditional)
    {
        NoTileCondition(conditional.Condition, "an if", "choose per element with Where(condition, a, b) or masks, or reduce it to one bool, e.g. 'if (Max(x) > 0f)'");
        int condition = Expression(conditional.Condition);
        if (b.TryConstant(condition, out var value) && value is bool taken)
        {
            var branch = taken ? conditional.WhenTrue : conditional.WhenFalse;
            if (branch is not null) Statement(branch);
            return;
        }
        RuntimeIf(conditional, condition); // a scalar bool: C# has no conversion from Tile<bool> to bool
    }

    private void RuntimeIf(IConditionalOperation conditional, int condition)
    {
        const string what = "if";
        var assigned = AssignedLocals(conditional.WhenTrue).Concat(conditional.WhenFalse is { } w ? AssignedLocals(w) : Enumerable.Empty<ILocalReferenceOperation>())
            .Select(r => r.Local).Where(l => scope.Values.ContainsKey(l) || scope.Poisoned.Contains(l))
            .Distinct(SymbolEqualityComparer.Default).Cast<ILocalSymbol>().ToList();
        var before = assigned.ToDictionary(l => l, l => scope.Values.TryGetValue(l, out var v) ? v : -1, Locals);
        var outer = branch;
        int Under(int c) => outer is { } o ? ElementwiseSemantics.Apply(b, TileOpKind.And, new[] { o, c }, what) : c;

        var thenValues = Branch(conditional.WhenTrue, Under(condition), assigned, before);
        int notCondition = ElementwiseSemantics.Apply(b, TileOpKind.Not, new[] { condition }, what);
        var elseValues = conditional.WhenFalse is { } whenFalse
            ? Branch(whenFalse, Under(notCondition), assigned, before)
            : assigned.ToDictionary(l => l, l => before[l], Locals);
        branch = outer;
        Predicate();

        foreach (var local in assigned)
        {
            int t = thenValues[local], e = elseValues[local];
            if (t < 0 || e < 0)
            {
                scope.Poisoned.Add(local);
                scope.Values.Remove(local);
                continue;
            }
            scope.Poisoned.Remove(local);
            scope.Values[local] = t == e ? t : Merge(conditional, local, condition, t, e);
        }
    }

    /// <summary>Walks one branch under <paramref name="condition"/>; the values it leaves in the assigned locals (-1: poisoned).</summary>
    private Dictionary<ILocalSymbol, int> Branch(IOperation body, int condition, List<ILocalSymbol> assigned, Dictionary<ILocalSymbol, int> before)
    {
        foreach (var local in assigned)
        {
            if (before[local] >= 0) scope.Values[local] = before[local];
            scope.Poisoned.Remove(local);
        }
        branch = condition;
        Predicate();
        Statement(body);
        return assigned.ToDictionary(l => l, l => scope.Poisoned.Contains(l) || !scope.Values.TryGetValue(l, out var v) ? -1 : v, Locals);
    }

    /// <summary>Where(condition, then, else) of a local, for pointers of one parameter through their offsets.</summary>
    private int Merge(IConditionalOperation conditional, ILocalSymbol local, int condition, int t, int e)
    {
        var (tt, et) = (b.Type(t), b.Type(e));
        if (!tt.Shape.Equals(et.Shape))
            throw Report(DiagnosticDescriptors.UnsupportedStatement, conditional, $"'{local.Name}' with shape {tt.ShapeText} after one branch and {et.ShapeText} after the other",
                "give a local the same shape on both branches");
        if (b[t] is PointerOp tp && b[e] is PointerOp ep)
        {
            if (tp.Type.PointerParam != ep.Type.PointerParam)
                throw Report(DiagnosticDescriptors.UnsupportedStatement, conditional, $"'{local.Name}' pointing into different parameters after the two branches",
                    "keep a pointer in one parameter and choose its offsets");
            int offsets = ElementwiseSemantics.Apply(b, TileOpKind.Where, new[] { condition, tp.Offsets, ep.Offsets }, "if");
            return b.Define(id => new PointerOp(id, tp.Type, offsets) { Name = tp.Name });
        }
        return ElementwiseSemantics.Apply(b, TileOpKind.Where, new[] { condition, t, e }, "if");
    }

    private static readonly IEqualityComparer<ILocalSymbol> Locals = SymbolEqualityComparer.Default;

    /// <summary>The conjunction of the runtime if conditions being walked (null: none).</summary>
    private int? branch;

    /// <summary>The programs that have returned early (null: none).</summary>
    private int? exited;

    /// <summary>Runtime loops being walked: an early return inside one is not supported.</summary>
    private int loopDepth;

    /// <summary>A <c>return;</c> before the end of the kernel: the programs in the current branch are done.</summary>
    private void EarlyReturn()
    {
        exited = branch is null ? b.Constant(true, ElementType.Bool)
            : exited is { } e ? ElementwiseSemantics.Apply(b, TileOpKind.Or, new[] { e, branch.Value }, "return") : branch;
        Predicate();
    }

    /// <summary>Sets the builder's predicate: inside the current branch and not returned.</summary>
    private void Predicate()
    {
        int? staying = exited is { } e ? ElementwiseSemantics.Apply(b, TileOpKind.Not, new[] { e }, "return") : null;
        b.Predicate = branch is { } c ? staying is { } s ? ElementwiseSemantics.Apply(b, TileOpKind.And, new[] { c, s }, "if") : c : staying;
    }

    private void RequireScalarInt(int id, IOperation op)
    {
        var type = b.Type(id);
        if (!type.IsScalar || type.Element != ElementType.Int || type.IsPointer)
            throw Report(DiagnosticDescriptors.LoopForm, op, $"A loop bound of type {ElementTypes.CsName(type.Element)}{(type.IsScalar ? "" : " tile")} must be an int scalar");
    }
}
