using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Parsing;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Emit: writes one specialization as an explicitly grouped ILGPU kernel. Each tile value becomes scalar locals, one
/// per register of its layout, fully unrolled; scalars stay scalar; layout conversions go through shared memory.
/// </summary>
internal sealed class KernelEmitter
{
    private static readonly Regex Simple = new(@"^[A-Za-z_][A-Za-z0-9_.]*$|^[0-9][0-9.]*[fd]?$", RegexOptions.Compiled);

    private readonly CodeWriter w;
    private readonly KernelModel model;
    private readonly LayoutPlan plan;
    private readonly Dictionary<int, Value> values = new();
    private readonly Dictionary<(int Id, TileLayout Layout), string[]> registers = new();
    private readonly Dictionary<int, string> scalars = new();
    private readonly HashSet<string> names = new();
    private int loopDepth;

    private KernelEmitter(CodeWriter w, KernelModel model, LayoutPlan plan)
    {
        this.w = w;
        this.model = model;
        this.plan = plan;
    }

    public static void Emit(CodeWriter w, KernelModel model, Specialization specialization, LayoutPlan plan, string methodName)
    {
        var emitter = new KernelEmitter(w, model, plan);
        emitter.Collect(specialization.Body);
        var parameters = model.Parameters.Where(p => p.Kind != ParameterKind.Constexpr).ToList();
        foreach (var p in parameters) emitter.names.Add(p.Name);
        emitter.names.Add("tid");
        w.Open($"private static void {methodName}({string.Join(", ", parameters.Select(p => LauncherEmitter.KernelParameterType(p) + " " + Identifier(p.Name)))})");
        w.Line("int tid = Group.IdxX;");
        emitter.ThreadCoordinates();
        emitter.Statements(specialization.Body);
        w.Close();
    }

    private void Collect(IEnumerable<Statement> body)
    {
        foreach (var statement in body)
        {
            if (statement is Define d) values[d.Value.Id] = d.Value;
            if (statement is not Loop loop) continue;
            values[loop.Index.Id] = loop.Index;
            foreach (var v in loop.Args.Concat(loop.Results)) values[v.Id] = v;
            Collect(loop.Body);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Thread coordinates: (tid / Stride) % Threads, declared once at the top.

    private void ThreadCoordinates()
    {
        var dims = plan.AllLayouts.SelectMany(l => l.Dims).Where(d => d.Threads > 1).Distinct()
            .OrderBy(d => d.Stride).ThenBy(d => d.Threads);
        foreach (var d in dims)
        {
            string name = CoordinateName(d);
            if (name == "tid") continue;
            string div = d.Stride == 1 ? "tid" : $"tid / {d.Stride}";
            string expr = d.Stride * d.Threads == model.NumThreads ? div : d.Stride == 1 ? $"tid % {d.Threads}" : $"({div}) % {d.Threads}";
            names.Add(name);
            w.Line($"int {name} = {expr};");
        }
    }

    private string CoordinateName(DimLayout d)
    {
        if (d.Stride == 1 && d.Threads == model.NumThreads) return "tid";
        if (d.Stride == 1) return $"tidMod{d.Threads}";
        return d.Stride * d.Threads == model.NumThreads ? $"tidDiv{d.Stride}" : $"tidDiv{d.Stride}Mod{d.Threads}";
    }

    private string Coordinate(TileLayout layout, int dim, int register)
    {
        var d = layout.Dims[dim];
        if (d.Threads == 1) return register.ToString();
        int offset = register * d.Threads;
        return offset == 0 ? CoordinateName(d) : $"{CoordinateName(d)} + {offset}";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Statements

    private void Statements(IEnumerable<Statement> body)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case Define { Value: var v } when v.Type.IsScalar:
                    DefineScalar(v);
                    break;
                case Define { Value: var v } when plan.Layouts.TryGetValue(v.Id, out var layouts):
                    DefineTile(v, layouts);
                    break;
                case StoreTo store:
                    Store(store);
                    break;
                case Loop loop:
                    RuntimeLoop(loop);
                    break;
            }
        }
    }

    private void DefineScalar(Value v)
    {
        switch (v.Op)
        {
            case OpKind.Const:
                scalars[v.Id] = v.Text;
                return;
            case OpKind.Param:
                scalars[v.Id] = Identifier(v.Text);
                return;
            case OpKind.PointerView:
                scalars[v.Id] = Scalar(v.Args[0]);
                return;
            case OpKind.ProgramId:
            case OpKind.NumPrograms:
            {
                string name = Unique(v.Name.Length > 0 ? v.Name : (v.Op == OpKind.ProgramId ? "programId" : "numPrograms") + v.Text);
                w.Line($"int {name} = Grid.{(v.Op == OpKind.ProgramId ? "Idx" : "Dim")}{v.Text};");
                scalars[v.Id] = name;
                return;
            }
        }
        string expr = v.Op == OpKind.Cast
            ? CastText(values[v.Args[0]].Type.Kind, v.Type.Kind, Scalar(v.Args[0]))
            : Apply(v.Text, v.Args.Select(Scalar).ToArray());
        if (v.Name.Length == 0)
        {
            scalars[v.Id] = expr;
            return;
        }
        string local = Unique(v.Name);
        w.Line($"{v.Type.CsType} {local} = {expr};");
        scalars[v.Id] = local;
    }

    private void DefineTile(Value v, List<TileLayout> layouts)
    {
        if (v.Op == OpKind.Arange) return; // its elements are thread coordinates, written where they are read
        if (plan.Materialized.Contains(v.Id))
        {
            Compute(v, layouts[0]);
            foreach (var layout in layouts.Skip(1)) Convert(v, layouts[0], layout);
        }
        else
        {
            foreach (var layout in layouts) Compute(v, layout);
        }
    }

    /// <summary>One line per register: the op's scalar rule applied to the operands' registers.</summary>
    private void Compute(Value v, TileLayout layout)
    {
        var regs = Registers(v, layout);
        foreach (var key in layout.Keys())
            w.Line($"{v.Type.CsType} {regs[layout.Flat(key)]} = {Element(v, layout, key)};");
    }

    private string Element(Value v, TileLayout layout, int[] key)
    {
        switch (v.Op)
        {
            case OpKind.Full:
                return Scalar(v.Args[0]);
            case OpKind.Cast:
                return CastText(values[v.Args[0]].Type.Kind, v.Type.Kind, Operand(v.Args[0], layout, key));
            case OpKind.Elementwise:
                return Apply(v.Text, v.Args.Select(a => Operand(a, layout, key)).ToArray());
            case OpKind.Load:
            {
                string param = Identifier(values[v.Args[0]].Type.PointerParam!);
                string load = $"{param}[{Operand(v.Args[0], layout, key)}]";
                return v.Args[1] < 0 ? load : $"{Operand(v.Args[1], layout, key)} ? {load} : {Scalar(v.Args[2])}";
            }
            default:
                throw new System.InvalidOperationException($"No element rule for {v.Op}.");
        }
    }

    private void Store(StoreTo store)
    {
        var pointers = values[store.Pointers];
        var layout = LayoutPlanner.StoreLayout(pointers.Type, model.NumThreads);
        bool replicated = layout.DistinctThreads < model.NumThreads;
        if (replicated) w.Open($"if (tid < {layout.DistinctThreads})");
        string param = Identifier(pointers.Type.PointerParam!);
        foreach (var key in layout.Keys())
        {
            string assignment = $"{param}[{Operand(store.Pointers, layout, key)}] = {Operand(store.Data, layout, key)};";
            w.Line(store.Mask < 0 ? assignment : $"if ({Operand(store.Mask, layout, key)}) {assignment}");
        }
        if (replicated) w.Close();
    }

    private void RuntimeLoop(Loop loop)
    {
        var carried = new List<(Value Arg, string[] Targets, TileLayout? Layout)>();
        for (int k = 0; k < loop.Args.Count; k++)
        {
            var arg = loop.Args[k];
            if (arg.Type.IsScalar)
            {
                string name = Unique(arg.Name);
                w.Line($"{arg.Type.CsType} {name} = {Scalar(loop.Inits[k])};");
                scalars[arg.Id] = scalars[loop.Results[k].Id] = name;
                carried.Add((arg, new[] { name }, null));
                continue;
            }
            var layout = plan.Layouts[arg.Id][0];
            var regs = Registers(arg, layout);
            registers[(loop.Results[k].Id, layout)] = regs;
            foreach (var key in layout.Keys())
                w.Line($"{arg.Type.CsType} {regs[layout.Flat(key)]} = {Operand(loop.Inits[k], layout, key)};");
            carried.Add((arg, regs, layout));
        }

        string index = Unique(loop.Index.Name);
        scalars[loop.Index.Id] = index;
        string step = Scalar(loop.Step);
        w.Open($"for (int {index} = {Scalar(loop.Start)}; {index} {(loop.Inclusive ? "<=" : "<")} {Scalar(loop.End)}; {(step == "1" ? index + "++" : $"{index} += {step}")})");
        loopDepth++;
        foreach (var arg in loop.Args.Where(a => !a.Type.IsScalar))
            foreach (var layout in plan.Layouts[arg.Id].Skip(1)) Convert(arg, plan.Layouts[arg.Id][0], layout);
        Statements(loop.Body);

        var updates = new List<(string Target, string Source)>();
        for (int k = 0; k < carried.Count; k++)
        {
            var (arg, targets, layout) = carried[k];
            if (layout is null)
                updates.Add((targets[0], Scalar(loop.Yields[k])));
            else
                foreach (var key in layout.Keys()) updates.Add((targets[layout.Flat(key)], Operand(loop.Yields[k], layout, key)));
        }
        Yield(updates);
        loopDepth--;
        w.Close();

        for (int k = 0; k < loop.Results.Count; k++)
        {
            var result = loop.Results[k];
            if (result.Type.IsScalar || !plan.Layouts.TryGetValue(result.Id, out var layouts)) continue;
            foreach (var layout in layouts.Skip(1)) Convert(result, layouts[0], layout);
        }
    }

    /// <summary>Assigns the next iteration's values; through temporaries when one update reads another's target.</summary>
    private void Yield(List<(string Target, string Source)> updates)
    {
        updates.RemoveAll(u => u.Target == u.Source);
        var targets = new HashSet<string>(updates.Select(u => u.Target));
        bool clash = updates.Any(u => Regex.Matches(u.Source, @"[A-Za-z_][A-Za-z0-9_]*").Cast<Match>()
            .Any(m => targets.Contains(m.Value) && m.Value != u.Target));
        if (!clash)
        {
            foreach (var (target, source) in updates) w.Line($"{target} = {source};");
            return;
        }
        foreach (var (target, source) in updates) w.Line($"var {target}Next = {source};");
        foreach (var (target, _) in updates) w.Line($"{target} = {target}Next;");
    }

    /// <summary>Moves a value to another layout through shared memory: write your registers, barrier, read.</summary>
    private void Convert(Value v, TileLayout from, TileLayout to)
    {
        var shape = v.Type.Shape;
        int count = shape.Aggregate(1, (a, b) => a * b);
        bool boolean = v.Type.Kind == ScalarKind.Bool;
        string element = boolean ? "int" : v.Type.CsType;
        string buffer = Unique((v.Name.Length > 0 ? v.Name : "t" + v.Id) + "Shared");
        w.Line($"// {Label(v)}: layout {from} -> {to} through shared memory");
        w.Line($"var {buffer} = SharedMemory.Allocate<{element}>({count});");
        var source = registers[(v.Id, from)];
        foreach (var key in from.Keys())
        {
            string reg = source[from.Flat(key)];
            w.Line($"{buffer}[{LinearIndex(shape, from, key)}] = {(boolean ? reg + " ? 1 : 0" : reg)};");
        }
        w.Line("Group.Barrier();");
        var target = Registers(v, to);
        foreach (var key in to.Keys())
        {
            string read = $"{buffer}[{LinearIndex(shape, to, key)}]";
            w.Line($"{v.Type.CsType} {target[to.Flat(key)]} = {(boolean ? read + " != 0" : read)};");
        }
        if (loopDepth > 0) w.Line("Group.Barrier();");
    }

    private string LinearIndex(IReadOnlyList<int> shape, TileLayout layout, int[] key)
    {
        var terms = new List<string>();
        int stride = 1;
        for (int j = shape.Count - 1; j >= 0; j--)
        {
            if (shape[j] > 1)
            {
                string c = Coordinate(layout, j, key[j]);
                terms.Insert(0, stride == 1 ? c : $"({c}) * {stride}");
            }
            stride *= shape[j];
        }
        return terms.Count == 0 ? "0" : string.Join(" + ", terms);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Registers and operands

    private string[] Registers(Value v, TileLayout layout)
    {
        if (registers.TryGetValue((v.Id, layout), out var existing)) return existing;
        string stem = v.Name.Length > 0 ? v.Name
            : v.Op == OpKind.Load ? values[v.Args[0]].Type.PointerParam + "Tile"
            : "t" + v.Id;
        int count = layout.RegisterCount;
        string baseName = stem;
        for (int n = 2; names.Contains(baseName) || Enumerable.Range(0, count).Any(i => names.Contains($"{baseName}_{i}")) || IsKeyword(baseName); n++)
            baseName = stem + n;
        names.Add(baseName);
        var regs = Enumerable.Range(0, count).Select(i => $"{baseName}_{i}").ToArray();
        foreach (var r in regs) names.Add(r);
        registers[(v.Id, layout)] = regs;
        return regs;
    }

    /// <summary>The register of operand <paramref name="id"/> that the element at <paramref name="key"/> of a
    /// value in <paramref name="layout"/> reads (broadcasting and views resolved).</summary>
    private string Operand(int id, TileLayout layout, int[] key)
    {
        var v = values[id];
        if (v.Type.IsScalar) return Scalar(id);
        var own = layout.Project(v.Type.Shape);
        return v.Op switch
        {
            OpKind.ExpandDims => Operand(v.Args[0], own.DropAxis(v.Int), key.Where((_, j) => j != v.Int).ToArray()),
            OpKind.PointerView => Operand(v.Args[0], own, key),
            OpKind.Arange => v.Int == 0 ? Coordinate(own, 0, key[0]) : $"{v.Int} + {Coordinate(own, 0, key[0])}",
            _ => registers.TryGetValue((id, own), out var regs)
                ? regs[own.Flat(key)]
                : throw new System.InvalidOperationException($"{Label(v)} has no registers in layout {own}."),
        };
    }

    private string Scalar(int id) => scalars.TryGetValue(id, out var text) ? text : throw new System.InvalidOperationException($"Scalar {id} is not defined.");

    private static string Label(Value v) => v.Name.Length > 0 ? v.Name : $"t{v.Id}";

    private string Unique(string stem)
    {
        string name = IsKeyword(stem) ? stem + "2" : stem;
        for (int n = 2; names.Contains(name); n++) name = stem + n;
        names.Add(name);
        return name;
    }

    private static bool IsKeyword(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;

    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Substitutes operands into a lowering template, adding parentheses where precedence could change.</summary>
    public static string Apply(string template, string[] operands)
    {
        var result = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 2 < template.Length && template[i + 2] == '}' && char.IsDigit(template[i + 1]))
            {
                string operand = operands[template[i + 1] - '0'];
                char before = i > 0 ? template[i - 1] : '\0';
                char after = i + 3 < template.Length ? template[i + 3] : '\0';
                bool slot = (before == '(' || (before == ' ' && i > 1 && template[i - 2] == ',')) && (after == ')' || after == ',');
                bool bare = slot || Simple.IsMatch(operand) || (before == '\0' && after == '\0');
                result.Append(bare ? operand : "(" + operand + ")");
                i += 2;
            }
            else
            {
                result.Append(template[i]);
            }
        }
        return result.ToString();
    }

    private static string CastText(ScalarKind from, ScalarKind to, string operand)
    {
        string wrapped = Simple.IsMatch(operand) ? operand : "(" + operand + ")";
        if (to == ScalarKind.Bool) return $"{wrapped} != 0";
        if (from == ScalarKind.Bool) return to == ScalarKind.Int ? $"({operand} ? 1 : 0)" : $"({TileType.CsName(to)})({operand} ? 1 : 0)";
        return $"({TileType.CsName(to)}){wrapped}";
    }
}
