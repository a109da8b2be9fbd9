using System.Text;

namespace TileDsl.Generators.Emit;

/// <summary>Indented C# text with '\n' line endings.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder text = new();
    private int depth;

    public CodeWriter(int depth = 0) => this.depth = depth;

    public int Depth => depth;

    public bool IsEmpty => text.Length == 0;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) text.Append(' ', depth * 4).Append(line);
        text.Append('\n');
        return this;
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        depth++;
    }

    public void Close(string trailer = "")
    {
        depth--;
        Line("}" + trailer);
    }

    /// <summary>Appends text written by another writer (already indented).</summary>
    public void Append(CodeWriter other) => text.Append(other.text);

    public override string ToString() => text.ToString();
}
