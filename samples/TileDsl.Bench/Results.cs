using System.Globalization;

namespace TileDsl.Bench;

/// <summary>The benchmark's results.tsv: one line per kernel, read by scripts/bench_compare.py and scripts/simplicial_compare.py.</summary>
internal sealed class Results
{
    private readonly List<string> lines = new() { "kernel\tshape\tms\tunit\tvalue" };

    /// <summary>Adds and prints a line; <paramref name="workPerMs"/> / ms is the figure in <paramref name="unit"/>.</summary>
    public void Add(string kernel, string shape, double ms, string unit, double workPerMs)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"{kernel}\t{shape}\t{ms:F4}\t{unit}\t{workPerMs / ms:F2}");
        lines.Add(line);
        Console.WriteLine(line);
    }

    public void Write(string outDir) => File.WriteAllLines(Path.Combine(outDir, "results.tsv"), lines);
}
