using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>Registers, operands and coordinates: how a value's elements are named and where each one lies.</summary>
internal sealed partial class KernelEmitter
{
    private static readonly Regex Simple = new(@"^[A-Za-z_@][A-Za-z0-9_.]*$|^[0-9][0-9.]*[fd]?$", RegexOptions.Compiled);

    private readonly Dictionary<(int Id, LinearLayout Layout), string[]> registers = new();
    private readonly Dictionary<int, string> scalars = new();

    /// <summary>Thread-coordinate locals the body reads: a run of tid bits, <c>(tid &gt;&gt; Shift) mod 2^Count</c>.</summary>
    private readonly Dictionary<(int Shift, int Count), string> runs = new();

    private string[] Registers(Op v, LinearLayout layout) => Registers(v, layout, Label(v));

    private string[] Registers(Op v, LinearLayout layout, string stem)
    {
        if (registers.TryGetValue((v.Id, layout), out var existing)) return existing;
        var regs = names.Registers(stem, layout.RegisterCount);
        registers[(v.Id, layout)] = regs;
        return regs;
    }

    private string Label(Op v) => v.Name.Length > 0 ? v.Name
        : v is LoadOp load ? ((PointerOp)program.Values[load.Pointers]).Type.PointerParam + "Tile"
        : "t" + v.Id;

    private static string CsType(Op v) => ElementTypes.CsName(ElementTypes.Of(v.Type.Element).Register);

    /// <summary>The register of operand <paramref name="id"/> that the element in register <paramref name="register"/>
    /// of a value in <paramref name="layout"/> reads (broadcasting and views resolved).</summary>
    private string Operand(int id, LinearLayout layout, int register)
    {
        var v = program.Values[id];
        if (v.Type.IsScalar) return Scalar(id);
        var (own, kept) = layout.Project(v.Type.Shape);
        int r = LinearLayout.Pack(register, kept);
        return v switch
        {
            ExpandDimsOp expand => Operand(expand.Source, own.Slice(expand.Axis).Layout, r),
            PointerOp pointer => Operand(pointer.Offsets, own, r),
            TransOp trans => Operand(trans.Source, own.Transpose(), r),
            BroadcastOp broadcast => Operand(broadcast.Source, own, r),
            ArangeOp arange => Plus(Coordinate(own, 0, r), arange.Start),
            _ => registers.TryGetValue((id, own), out var regs)
                ? regs[r]
                : throw new System.InvalidOperationException($"{Label(v)} has no registers in layout {own}."),
        };
    }

    /// <summary>Whether tile <paramref name="id"/> has registers of its own in <paramref name="layout"/> (projected to its shape).</summary>
    private bool HasRegisters(int id, LinearLayout layout) => registers.ContainsKey((id, layout.Project(program.Values[id].Type.Shape).Item1));

    private string Scalar(int id) => scalars.TryGetValue(id, out var text) ? text
        : program.Values[id] switch
        {
            ConstOp constant => ElementTypes.Literal(constant.Value),
            ParamOp parameter => Names.Identifier(parameter.Parameter),
            _ => throw new System.InvalidOperationException($"Scalar {id} is not defined."),
        };

    // ---------------------------------------------------------------------------------------------------------------
    // Coordinates: a register part (constant) plus a thread part (sums of runs of tid bits).

    /// <summary>The coordinate along <paramref name="dim"/> of register <paramref name="register"/>, as C#.</summary>
    private string Coordinate(LinearLayout layout, int dim, int register) => Plus(ThreadPart(layout, dim), layout.RegisterCoordinates(register)[dim]);

    /// <summary>
    /// The thread part of a coordinate, times <paramref name="multiplier"/> and divided by <paramref name="divisor"/>
    /// (every term must stay whole): consecutive tid bits that add consecutive powers of two make one run,
    /// <c>tidDiv8Mod4 * 16</c>.
    /// </summary>
    private string ThreadPart(LinearLayout layout, int dim, int divisor = 1, int multiplier = 1)
    {
        var terms = layout.ThreadTerms(dim).OrderBy(t => t.Bit).ToList();
        var parts = new List<string>();
        for (int i = 0; i < terms.Count;)
        {
            int j = i + 1;
            while (j < terms.Count && terms[j].Bit == terms[j - 1].Bit + 1 && terms[j].Value == terms[j - 1].Value * 2) j++;
            long scaled = (long)terms[i].Value * multiplier;
            if (scaled % divisor != 0) throw new System.InvalidOperationException($"Thread part {scaled} is not a multiple of {divisor}.");
            parts.Add(Scaled(Run(terms[i].Bit, j - i), (int)(scaled / divisor)));
            i = j;
        }
        return parts.Count == 0 ? "0" : string.Join(" + ", parts);
    }

    /// <summary>Values of the thread alone (of runs of tid bits and constants) that loops would otherwise recompute,
    /// declared once at the kernel's start (after the runs), by expression.</summary>
    private readonly Dictionary<string, string> threadConstants = new();

    /// <summary>A local holding <paramref name="expression"/>, a function of the thread alone, declared at the kernel's start.</summary>
    private string ThreadConstant(string expression, string stem)
    {
        if (!threadConstants.TryGetValue(expression, out var name)) threadConstants[expression] = name = names.Unique(stem);
        return name;
    }

    private string Run(int shift, int count)
    {
        int bits = Layouts.Log2(numThreads);
        if (shift == 0 && count == bits) return tid;
        if (!runs.TryGetValue((shift, count), out var name))
        {
            string stem = shift == 0 ? $"tidMod{1 << count}" : shift + count == bits ? $"tidDiv{1 << shift}" : $"tidDiv{1 << shift}Mod{1 << count}";
            runs[(shift, count)] = name = names.Unique(stem);
        }
        return name;
    }

    private string RunExpression(int shift, int count)
    {
        int bits = Layouts.Log2(numThreads);
        string divided = shift == 0 ? tid : $"{tid} / {1 << shift}";
        return shift + count == bits ? divided : $"{divided} % {1 << count}";
    }

    /// <summary>The row-major position in the tile of the element in a register, as C#.</summary>
    private string LinearIndex(LinearLayout layout, int register)
    {
        var own = layout.RegisterCoordinates(register);
        var terms = new List<string>();
        int stride = 1, constant = 0;
        for (int d = layout.Rank - 1; d >= 0; d--)
        {
            constant += own[d] * stride;
            string thread = ThreadPart(layout, d, 1, stride);
            if (thread != "0") terms.Insert(0, thread);
            stride *= layout.Shape[d];
        }
        return Sum(terms.Concat(new[] { constant.ToString() }));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Text

    private static string Plus(string expression, int offset)
        => offset == 0 ? expression : expression == "0" ? offset.ToString() : offset > 0 ? $"{expression} + {offset}" : $"{expression} - {-offset}";

    private static string Scaled(string expression, int factor)
        => factor == 1 ? expression
            : int.TryParse(expression, out int constant) ? (constant * factor).ToString()
            : Simple.IsMatch(expression) || Regex.IsMatch(expression, @"^[A-Za-z_][A-Za-z0-9_]* \* [0-9]+$") ? $"{expression} * {factor}"
            : $"({expression}) * {factor}";

    /// <summary>Terms joined by +, constants folded into one at the end; "0" for none.</summary>
    private static string Sum(IEnumerable<string> terms)
    {
        int constant = 0;
        var rest = new List<string>();
        foreach (var term in terms)
        {
            if (int.TryParse(term, out int c)) constant += c;
            else rest.Add(term);
        }
        string joined = string.Join(" + ", rest);
        return rest.Count == 0 ? constant.ToString() : Plus(joined, constant);
    }

    /// <summary>Substitutes operands into a template, adding parentheses where precedence could change.</summary>
    private static string Apply(string template, string[] operands)
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
                bool bare = slot || IsAtom(operand) || (before == '\0' && after == '\0');
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

    private static string Parenthesized(string operand) => IsAtom(operand) ? operand : "(" + operand + ")";

    /// <summary>A name, a literal, or a call or element access whose brackets enclose the rest: needs no parentheses.</summary>
    private static bool IsAtom(string operand)
    {
        if (Simple.IsMatch(operand)) return true;
        var call = Regex.Match(operand, @"^[A-Za-z_@][A-Za-z0-9_.]*[(\[]");
        if (!call.Success) return false;
        int depth = 0;
        for (int i = call.Length - 1; i < operand.Length; i++)
        {
            if (operand[i] is '(' or '[') depth++;
            else if (operand[i] is ')' or ']' && --depth == 0) return i == operand.Length - 1;
        }
        return false;
    }
}
