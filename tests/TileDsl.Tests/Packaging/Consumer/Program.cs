// A program outside the repository that uses TileDsl through its package alone (PackageTests builds and runs it).
// The kernel applies each op to a row of x and stores one output per op; Expected below is the same in float64.
// To cover a new op: one Store line in the kernel (the next output index k), the same line in Expected, and
// Outputs += 1. Prints OK and exits 0 only if the CPU accelerator and the interpreter both match.
using ILGPU;
using ILGPU.Runtime;
using TileDsl;
using static TileDsl.Tl;

const int rows = 3, cols = 13, block = 16;
var random = new Random(7);
var x = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
int size = rows * ConsumerKernels.Outputs * cols;

using var context = TileAccelerators.CreateContext();
using var accelerator = TileAccelerators.Create(context, TileDevice.Cpu);
using var xs = accelerator.Allocate1D(x);
using var ys = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, size).ToArray());
ConsumerKernels.OpsKernel.Launch(accelerator, rows, xs.View, ys.View, cols, block);
accelerator.Synchronize();
var launched = ys.GetAsArray1D();

var interpreted = Enumerable.Repeat(float.NaN, size).ToArray();
ConsumerKernels.OpsKernel.Interpret(rows, x, interpreted, cols, block);

int failures = 0;
for (int r = 0; r < rows; r++)
{
    var row = x.Skip(r * cols).Take(cols).Select(v => (double)v).ToArray();
    for (int k = 0; k < ConsumerKernels.Outputs; k++)
        for (int c = 0; c < cols; c++)
        {
            double expected = ConsumerKernels.Expected(k, row, c);
            foreach (var (what, actual) in new[] { ("accelerator", launched), ("interpreter", interpreted) })
            {
                float value = actual[(r * ConsumerKernels.Outputs + k) * cols + c];
                if (!(Math.Abs(value - expected) <= 1e-6 + 1e-5 * Math.Abs(expected)) && failures++ < 20)
                    Console.WriteLine($"{what}: output {k}, row {r}, column {c}: {value} where {expected} was expected");
            }
        }
}
if (failures > 0)
{
    Console.WriteLine($"FAILED: {failures} values differ");
    return 1;
}
Console.WriteLine($"OK: {ConsumerKernels.Outputs} outputs of {rows} x {cols} on {accelerator.Name} and in the interpreter");
return 0;

public static partial class ConsumerKernels
{
    /// <summary>The outputs of <see cref="Ops"/>, each a rows × cols block of y.</summary>
    public const int Outputs = 11;

    /// <summary>One program per row of x (cols ≤ BLOCK); output k of the row goes to y[(row · Outputs + k) · cols + c].</summary>
    [TileKernel(NumWarps = 1)]
    public static void Ops(Ptr<float> x, Ptr<float> y, int cols, [Constexpr(16)] int BLOCK)
    {
        int row = ProgramId(0);
        var c = Arange(0, BLOCK);
        var inside = c < cols;
        var v = Load(x + row * cols + c, inside);
        var o = y + row * Outputs * cols + c;
        // Elementwise.
        Store(o + 0 * cols, Exp(v), inside);
        Store(o + 1 * cols, Sqrt(Abs(v)), inside);
        Store(o + 2 * cols, Where(v > 0f, v, 0.5f * v), inside);
        Store(o + 3 * cols, Maximum(v, 0.25f), inside);
        // Row reductions (masked lanes excluded), broadcast back over the row.
        float max = Max(Where(inside, v, float.NegativeInfinity));
        var e = Where(inside, Exp(v - max), 0f);
        Store(o + 4 * cols, e / Sum(e), inside);
        float rms = Sqrt(Sum(v * v) / cols);
        Store(o + 5 * cols, v / rms, inside);
        // Math ops a Triton porter reaches for, and a prefix sum along the row.
        Store(o + 6 * cols, Sigmoid(v), inside);
        Store(o + 7 * cols, Tanh(v), inside);
        Store(o + 8 * cols, Rsqrt(Abs(v) + 0.5f), inside);
        Store(o + 9 * cols, Log2(Abs(v) + 0.5f), inside);
        Store(o + 10 * cols, Cumsum(Where(inside, v, 0f)), inside);
    }

    /// <summary>Output k at column c of one row, in float64: the kernel's lines above, in order.</summary>
    public static double Expected(int k, double[] v, int c) => k switch
    {
        0 => Math.Exp(v[c]),
        1 => Math.Sqrt(Math.Abs(v[c])),
        2 => v[c] > 0 ? v[c] : 0.5 * v[c],
        3 => Math.Max(v[c], 0.25),
        4 => Math.Exp(v[c] - v.Max()) / v.Sum(u => Math.Exp(u - v.Max())),
        5 => v[c] / Math.Sqrt(v.Sum(u => u * u) / v.Length),
        6 => 1 / (1 + Math.Exp(-v[c])),
        7 => Math.Tanh(v[c]),
        8 => 1 / Math.Sqrt(Math.Abs(v[c]) + 0.5),
        9 => Math.Log2(Math.Abs(v[c]) + 0.5),
        10 => v.Take(c + 1).Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };
}
