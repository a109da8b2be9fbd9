using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Parsing;

/// <summary>
/// Tuples, for Reduce and AssociativeScan of several tiles together (Triton's tuple operands): a tuple is walked as the
/// list of its components' values. It may be made by a tuple literal, a <c>?:</c> between tuples, a tuple Reduce or
/// AssociativeScan, or a <c>[TileFunction]</c> helper returning one (a tuple combiner's result), and taken apart by a
/// deconstruction (<c>var (best, index) = Reduce(...)</c>) or returned by a helper; anything else (a tuple local,
/// <c>t.Item1</c>, a tuple argument to a helper) is TD0046.
/// </summary>
internal sealed partial class BodyWalker
{
    private static bool IsTuple(ITypeSymbol? type) => type is INamedTypeSymbol { IsTupleType: true };

    /// <summary>The values of the components of the tuple-valued <paramref name="op"/>.</summary>
    private int[] Tuple(IOperation op)
    {
        switch (op)
        {
            case ITupleOperation tuple:
                return tuple.Elements.Select(e => IsTuple(e.Type) ? throw NestedTuple(e) : Expression(e)).ToArray();
            case IConversionOperation conversion when IsTuple(conversion.Type):
            {
                // A tuple conversion, (int, int) to (float, int): component by component.
                var values = Tuple(conversion.Operand);
                var targets = ((INamedTypeSymbol)conversion.Type!).TupleElements;
                return values.Select((v, i) => Guarded(conversion, () =>
                    targets[i].Type.SpecialType != SpecialType.None && ElementOf(targets[i].Type) is var element && element != b.Type(v).Element
                        ? ElementwiseSemantics.Cast(b, v, element, conversion.Syntax.ToString())
                        : v)).ToArray();
            }
            case IConditionalOperation { WhenFalse: not null } ternary:
            {
                int condition = Expression(ternary.Condition);
                if (b.TryConstant(condition, out var known) && known is bool taken)
                    return Tuple(taken ? ternary.WhenTrue : ternary.WhenFalse);
                b.Named(condition, "take"); // one condition for every component: computed once, into a local
                var whenTrue = Tuple(ternary.WhenTrue);
                var whenFalse = Tuple(ternary.WhenFalse);
                if (whenTrue.Concat(whenFalse).Any(v => !b.Type(v).IsScalar))
                    throw Report(DiagnosticDescriptors.UnsupportedExpression, ternary, "The conditional operator on tuples of tiles", "choose each tile with Where(condition, a, b)");
                return whenTrue.Select((a, i) => Guarded(ternary, () =>
                    ElementwiseSemantics.Apply(b, TileOpKind.Where, new[] { condition, a, whenFalse[i] }, ternary.Syntax.ToString()))).ToArray();
            }
            case IInvocationOperation invocation when OpBinding.IsTileFunction(invocation.TargetMethod):
                return InlineValues(invocation.TargetMethod, invocation, () => ArgumentsInOrder(invocation).Select(a => Expression(a.Value)).ToList()) ?? throw Silent();
            case IInvocationOperation invocation when OpBinding.KindOf(invocation.TargetMethod) is TileOpKind.Reduce or TileOpKind.AssociativeScan:
                return CombinedTuple(invocation, OpBinding.KindOf(invocation.TargetMethod)!.Value);
            case IInvalidOperation:
                throw Silent();
            case ILocalReferenceOperation local when scope.Poisoned.Contains(local.Local):
                throw Silent(); // its value was reported already
            default:
                throw Report(DiagnosticDescriptors.Tuple, op, $"'{op.Syntax}'", "is not one of the tuples a kernel can take apart",
                    "make tuples with a tuple literal '(a, b)', '?:' between tuples, a tuple Reduce or AssociativeScan, or a [TileFunction] returning one, and take them apart where they are made: 'var (best, index) = Reduce((values, indices), 1, ArgMaxCombine);'");
        }
    }

    private AbortException NestedTuple(IOperation element)
        => Report(DiagnosticDescriptors.Tuple, element, $"'{element.Syntax}'", "is a tuple inside a tuple", "flatten it: '(a, b, c)' instead of '(a, (b, c))'");

    /// <summary>TD0046 for a tuple where a kernel takes one value (a tuple local, a tuple as an argument).</summary>
    private AbortException TupleValue(IOperation op)
        => Report(DiagnosticDescriptors.Tuple, op, $"'{op.Syntax}'", "is a tuple used as one value",
            "take it apart where it is made: 'var (best, index) = Reduce((values, indices), 1, ArgMaxCombine);', or pass its components one by one");

    /// <summary><c>var (a, b) = tuple;</c>, <c>(a, b) = tuple;</c>, <c>(var a, _) = tuple;</c>: each local gets its component.</summary>
    private void Deconstruct(IDeconstructionAssignmentOperation deconstruction)
    {
        var target = deconstruction.Target is IDeclarationExpressionOperation { Expression: var declared } ? declared : deconstruction.Target;
        if (target is not ITupleOperation targets) throw NestedTuple(deconstruction.Target);
        if (targets.Elements.FirstOrDefault(e => IsTuple(e.Type)) is { } nested) throw NestedTuple(nested);
        var locals = targets.Elements.Select(e => e switch
        {
            IDeclarationExpressionOperation { Expression: ILocalReferenceOperation local } => local.Local,
            IDiscardOperation => null,
            _ => TargetLocal(e),
        }).ToList();
        int mark = b.Current.Count; // what the value adds is this statement's: its components may take the locals' names
        int[] values;
        try
        {
            values = Tuple(deconstruction.Value);
        }
        catch (AbortException)
        {
            foreach (var local in locals) if (local is not null) scope.Poisoned.Add(local);
            throw;
        }
        for (int i = 0; i < locals.Count; i++)
        {
            if (locals[i] is not { } local) continue;
            int value = values[i];
            Assign(local, () => local.Type.SpecialType != SpecialType.None && ElementOf(local.Type) is var element && element != b.Type(value).Element
                ? Guarded(deconstruction, () => ElementwiseSemantics.Cast(b, value, element, deconstruction.Syntax.ToString()))
                : b.Named(value, local.Name, mark));
        }
    }

    /// <summary>Reduce or AssociativeScan of a tuple of tiles by a combiner of 2·k scalars returning a k-tuple.</summary>
    private int[] CombinedTuple(IInvocationOperation invocation, TileOpKind kind)
    {
        var args = ArgumentsInOrder(invocation);
        var sources = Tuple(args[0].Value);
        // Problems with one tile are reported at it when the tuple is written out.
        var tuple = args[0].Value is IConversionOperation { Operand: ITupleOperation converted } ? converted : args[0].Value as ITupleOperation;
        IOperation At(int i) => tuple?.Elements[i] ?? args[0].Value;
        for (int i = 0; i < sources.Length; i++)
        {
            int source = sources[i];
            Guarded(At(i), () => { ReduceSemantics.RequireOperand(b, kind, source); ReduceSemantics.RequireSameShape(b, kind, sources[0], source); return 0; });
        }
        var combine = Combiner(Named(args, "combine")!, kind, sources.Select(s => b.Type(s).Element).ToList());
        string what = $"'{invocation.Syntax}'";
        if (kind == TileOpKind.AssociativeScan)
        {
            int axis = Named(args, "axis") is { } scanAxis ? Axis(scanAxis, sources[0], kind) : 0;
            bool reverse = ConstantFlag(Named(args, "reverse"), kind);
            return Guarded(invocation, () => ReduceSemantics.ScanTuple(b, sources, axis, reverse, what, combine));
        }
        int? reduceAxis = Named(args, "axis") is { } axisArgument ? Axis(axisArgument, sources[0], kind) : null;
        bool keepDims = ConstantFlag(Named(args, "keepDims"), kind);
        return Guarded(invocation, () => ReduceSemantics.ReduceTuple(b, sources, reduceAxis, keepDims, what, combine));
    }
}
