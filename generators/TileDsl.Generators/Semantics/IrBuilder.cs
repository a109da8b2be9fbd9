using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Diagnostics;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Semantics;

/// <summary>
/// Builds the tile IR of one specialization: numbers the values, appends their definitions to the statement list in
/// hand (<see cref="Current"/>), and remembers which are compile-time constants. The semantics of each op family
/// (the other classes of this folder) create values through it.
/// </summary>
internal sealed class IrBuilder
{
    /// <summary>Registers per thread one value may take; beyond this the generated kernel would spill.</summary>
    public const int MaxRegistersPerThread = 256;

    private readonly List<Op> values = new();
    private readonly Dictionary<int, object> constants = new();

    public IrBuilder(int numThreads) => NumThreads = numThreads;

    public int NumThreads { get; }

    /// <summary>The statements being built (a loop body swaps in its own list).</summary>
    public List<Statement> Current { get; set; } = new();

    /// <summary>
    /// A scalar bool under which the statements being built take effect, or null (always): inside a branch of a runtime
    /// <c>if</c>, and after an early <c>return</c> under a condition, both paths run and this masks their memory
    /// operations (if-conversion; see BodyWalker.RuntimeIf).
    /// </summary>
    public int? Predicate { get; set; }

    public Op this[int id] => values[id];

    public TileType Type(int id) => values[id].Type;

    public bool IsConstant(int id) => constants.ContainsKey(id);

    public bool TryConstant(int id, out object value) => constants.TryGetValue(id, out value!);

    /// <summary>The constant int value of <paramref name="id"/>, or null.</summary>
    public int? ConstantInt(int id) => constants.TryGetValue(id, out var c) && c is int i ? i : null;

    /// <summary>
    /// While a Reduce's or AssociativeScan's combiner is walked, that op (null otherwise): its values must be scalars
    /// computed from its two parameters (TD0038 for any other value).
    /// </summary>
    public TileOpKind? Combining { get; set; }

    /// <summary>Creates a value that no statement defines (loop indices, arguments and results).</summary>
    public T Create<T>(Func<int, T> make) where T : Op
    {
        var op = make(values.Count);
        if (Combining is { } kind && !(op.Type.IsScalar && op is ConstOp or ElementwiseOp or CastOp or CombinerParamOp))
            throw new SemanticError(DiagnosticDescriptors.Combiner, kind, op switch
            {
                LoadOp or PointerOp => "reads memory",
                ProgramIdOp => "reads the program's position",
                _ => "computes a tile",
            }, "a combiner computes on its two scalars only: arithmetic, comparisons, Where and ?:, Maximum, Minimum, math functions, casts and locals");
        values.Add(op);
        return op;
    }

    /// <summary>Defines a value in the current statement list and returns its id.</summary>
    public int Define(Func<int, Op> make)
    {
        var op = Create(make);
        Current.Add(new Define(op));
        return op.Id;
    }

    /// <summary>Defines a computed tile or scalar, checking that a tile fits the program's registers (TD0030).</summary>
    public int DefineComputed(TileType type, Func<int, Op> make, string what)
    {
        RequireRegisters(type, what);
        return Define(make);
    }

    private void RequireRegisters(TileType type, string what)
    {
        int registers = Math.Max(1, type.Count / NumThreads);
        if (!type.IsScalar && registers > MaxRegistersPerThread)
            throw new SemanticError(DiagnosticDescriptors.TileTooLarge, what, type.ShapeText, registers, NumThreads, MaxRegistersPerThread);
    }

    /// <summary>
    /// Defines the k results of one op on several tiles together (a <see cref="TupleGroup"/>), as consecutive values:
    /// <paramref name="make"/> builds result j knowing all their ids. TD0030 when one would not fit the registers.
    /// </summary>
    public int[] DefineGroup(IReadOnlyList<TileType> types, string what, Func<int, EquatableArray<int>, Op> make)
    {
        foreach (var type in types) RequireRegisters(type, what);
        var ids = Enumerable.Range(values.Count, types.Count).ToEquatableArray();
        for (int j = 0; j < types.Count; j++)
            if (Define(_ => make(j, ids)) != ids[j]) throw new InvalidOperationException("The results of a tuple op are not consecutive values.");
        return ids.ToArray();
    }

    public int Constant(object value, ElementType type)
    {
        value = ElementTypes.Convert(value, type);
        int id = Define(i => new ConstOp(i, TileType.Scalar(type), value));
        constants[id] = value;
        return id;
    }

    /// <summary>Gives a value just defined (or the old values of an atomic just added) the name of the local it is
    /// assigned to, unless it has one.</summary>
    public int Named(int id, string name) => Named(id, name, Current.Count - 1);

    /// <summary>As <see cref="Named(int, string)"/>, for a value defined by any statement from index <paramref name="since"/>
    /// on (a component of a tuple, whose statements are all made for the one deconstruction being named).</summary>
    public int Named(int id, string name, int since)
    {
        var op = values[id];
        if (op.Name.Length > 0 || op is ConstOp || Current.Count == 0) return id;
        var named = op with { Name = name };
        int at = Current.Count - 1;
        while (at > since && at > 0 && !(Current[at] is Define { Op.Id: var defined } && defined == id)) at--;
        Statement? renamed = Current[at] switch
        {
            Define { Op.Id: var defined } when defined == id => new Define(named),
            StoreStatement { Result.Id: var defined } store when defined == id => store with { Result = (AtomicValueOp)named },
            _ => null,
        };
        if (renamed is null) return id;
        values[id] = named;
        Current[at] = renamed;
        return id;
    }

    public EquatableArray<Statement> Statements() => Current.ToEquatableArray();
}

/// <summary>
/// A problem with the kernel that Semantics/ finds: the walker reports it at <see cref="At"/> if given, else at the
/// expression it was lowering.
/// </summary>
internal sealed class SemanticError : Exception
{
    public SemanticError(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params object[] arguments)
        : base(descriptor.Id)
    {
        Descriptor = descriptor;
        Arguments = arguments;
    }

    public Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor { get; }

    public object[] Arguments { get; }

    public Microsoft.CodeAnalysis.SyntaxNode? At { get; init; }
}
