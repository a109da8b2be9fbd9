using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>Scalars and elementwise tiles: constants, parameters, program ids, arithmetic, casts, Full.</summary>
internal sealed partial class KernelEmitter
{
    private void Scalar(Op v)
    {
        switch (v)
        {
            case ConstOp constant:
                scalars[v.Id] = ElementTypes.Literal(constant.Value);
                return;
            case ParamOp parameter:
                scalars[v.Id] = Names.Identifier(parameter.Parameter);
                return;
            case PointerOp pointer:
                scalars[v.Id] = Scalar(pointer.Offsets);
                return;
            case ProgramIdOp program:
            {
                string name = names.Unique(v.Name.Length > 0 ? v.Name : (program.Count ? "numPrograms" : "programId") + "XYZ"[program.Axis]);
                w.Line($"int {name} = {target.ProgramId(program.Axis, program.Count)};");
                scalars[v.Id] = name;
                return;
            }
        }
        string expression = v switch
        {
            CastOp cast => target.Cast(program.Values[cast.Source].Type.Element, v.Type.Element, Parenthesized(Scalar(cast.Source))),
            LoadOp load => target.FromMemory(load.Type.Element, $"{PointerParam(load.Pointers)}[{Scalar(load.Pointers)}]"),
            ElementwiseOp op => Apply(target.Template(op.Kind), op.Args.Select(Scalar).ToArray()),
            _ => throw new System.InvalidOperationException($"No scalar rule for {v.GetType().Name}."),
        };
        if (v.Name.Length == 0 && v is not LoadOp) // a load is read once, where it stands
        {
            scalars[v.Id] = expression;
            return;
        }
        string local = names.Unique(v.Name.Length > 0 ? v.Name : program.Values[((LoadOp)v).Pointers].Type.PointerParam + "Value");
        w.Line($"{CsType(v)} {local} = {expression};");
        scalars[v.Id] = local;
    }

    /// <summary>A tile computed register by register: one line each, the op's scalar rule applied to the operands' registers.</summary>
    private void Tile(DDefine define)
    {
        var v = define.Op;
        var layout = define.Layout!;
        switch (v)
        {
            case ArangeOp:
                return; // its elements are thread coordinates, written where they are read
            case LoadOp load:
                Load(load, layout, define.Vector);
                return;
        }
        var regs = Registers(v, layout);
        for (int r = 0; r < layout.RegisterCount; r++)
            w.Line($"{CsType(v)} {regs[r]} = {Element(v, layout, r)};");
    }

    private string Element(Op v, Layout.LinearLayout layout, int register) => v switch
    {
        FullOp full => Scalar(full.Fill),
        CastOp cast => target.Cast(program.Values[cast.Source].Type.Element, v.Type.Element, Parenthesized(Operand(cast.Source, layout, register))),
        ElementwiseOp op => Apply(target.Template(op.Kind), op.Args.Select(a => Operand(a, layout, register)).ToArray()),
        _ => throw new System.InvalidOperationException($"No element rule for {v.GetType().Name}."),
    };

    /// <summary>The view a pointer value points into.</summary>
    private string PointerParam(int pointers) => Names.Identifier(program.Values[pointers].Type.PointerParam!);
}
