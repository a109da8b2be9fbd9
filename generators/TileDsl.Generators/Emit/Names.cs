using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace TileDsl.Generators.Emit;

/// <summary>
/// The names of a generated method: the kernel's own (parameters, locals) are taken first, and every name the
/// generator adds gets a number where it would clash, so any valid parameter name works.
/// </summary>
internal sealed class Names
{
    private readonly HashSet<string> taken = new();

    public Names(IEnumerable<string> reserved)
    {
        foreach (var name in reserved) taken.Add(name);
    }

    /// <summary>A fresh name from <paramref name="stem"/>: the stem itself, or the stem with 2, 3, ... appended.</summary>
    public string Unique(string stem)
    {
        string name = IsKeyword(stem) ? stem + "2" : stem;
        for (int n = 2; taken.Contains(name); n++) name = stem + n;
        taken.Add(name);
        return name;
    }

    /// <summary><paramref name="count"/> register names <c>stem_0</c> … that nothing else uses (a number after the stem where needed).</summary>
    public string[] Registers(string stem, int count)
    {
        string baseName = stem;
        for (int n = 2; taken.Contains(baseName) || Enumerable.Range(0, count).Any(i => taken.Contains($"{baseName}_{i}")) || IsKeyword(baseName); n++)
            baseName = stem + n;
        taken.Add(baseName);
        var regs = Enumerable.Range(0, count).Select(i => $"{baseName}_{i}").ToArray();
        foreach (var r in regs) taken.Add(r);
        return regs;
    }

    public static bool IsKeyword(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;

    /// <summary>A kernel parameter's name as a C# identifier (<c>@</c> before a keyword).</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
