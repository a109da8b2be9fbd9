using System.Diagnostics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using TileDsl.Attention;

namespace TileDsl.Bench;

/// <summary>
/// 2-simplicial attention forward and backward at the benchmark shapes. Inputs are a hash of the element index
/// (<see cref="Input"/>), so that scripts/simplicial_compare.py rebuilds the same tensors without files; the outputs
/// of batch 0 for the first <see cref="CheckedRows"/> positions are written for its float64 check.
/// </summary>
internal static class SimplicialBench
{
    public const int CheckedRows = 1024;

    /// <summary>Element <paramref name="index"/> of input tensor <paramref name="tensor"/>: a value in [-1, 1), exactly reproducible in NumPy.</summary>
    public static float Input(int tensor, long index)
    {
        ulong h = ((ulong)index * 2654435761UL + (ulong)tensor * 40503UL) & 0xFFFFFFFFUL;
        h ^= h >> 15;
        h = (h * 2246822519UL) & 0xFFFFFFFFUL;
        h ^= h >> 13;
        return (float)(h / 4294967296.0 * 2 - 1);
    }

    /// <summary>
    /// Each case with the tilings chosen by shape: the determinant variant (timed only), then the trilinear forward
    /// and backward (timed, and their outputs saved for the check). With <paramref name="sweep"/>, instead, every
    /// candidate tiling of both schemes for that variant (timed only), to see which one the shape should get.
    /// </summary>
    public static void Run(Accelerator accelerator, string outDir, Results results,
        (string Name, TwoSimplicialAttention.Shape Shape, int W1, int W2)[] cases, TwoSimplicialAttention.Variant? sweep)
    {
        var stream = accelerator.DefaultStream;
        foreach (var (name, shape, w1, w2) in cases)
        {
            long qCount = (long)shape.Batch * shape.N * shape.Heads * shape.D, kvCount = (long)shape.Batch * shape.N * shape.KvHeads * shape.D;
            long rows = (long)shape.Batch * shape.Heads * shape.N;
            using var q = Upload(accelerator, 0, qCount);
            using var k1 = Upload(accelerator, 1, kvCount);
            using var v1 = Upload(accelerator, 2, kvCount);
            using var k2 = Upload(accelerator, 3, kvCount);
            using var v2 = Upload(accelerator, 4, kvCount);
            using var dO = Upload(accelerator, 5, qCount);
            using var o = accelerator.Allocate1D<float>(qCount);
            using var lse = accelerator.Allocate1D<float>(rows);
            using var dQ = accelerator.Allocate1D<float>(qCount);
            using var dK1 = accelerator.Allocate1D<float>(kvCount);
            using var dV1 = accelerator.Allocate1D<float>(kvCount);
            using var dK2 = accelerator.Allocate1D<float>(kvCount);
            using var dV2 = accelerator.Allocate1D<float>(kvCount);

            // Useful FLOPs: 4·D per (j, k) pair inside the windows, per (batch, head, query). Backward: the same count
            // times 2.5, as for attention (its dots: logits, dP, dQ, dK1, dK2, dV1, dV2 over the pairs, against the forward's two).
            double pairs = 0;
            for (int i = 0; i < shape.N; i++) pairs += (double)Math.Min(i + 1, w1) * Math.Min(i + 1, w2);
            double flops = 4.0 * shape.D * pairs * shape.Batch * shape.Heads;
            string text = $"B{shape.Batch} N{shape.N} Hq{shape.Heads} Hkv{shape.KvHeads} D{shape.D} w1={w1} w2={w2}";

            // The warm-up launches (which compile the kernels) run the same tiling on the first WarmUpRows positions only.
            var warmUp = shape with { N = Math.Min(shape.N, WarmUpRows) };
            void Forward(TwoSimplicialAttention.Shape at, TwoSimplicialAttention.Tiling? tiling, TwoSimplicialAttention.Variant variant)
                => TwoSimplicialAttention.Forward(stream, at, q.View, k1.View, v1.View, k2.View, v2.View, o.View, lse.View, w1, w2,
                    variant: variant, tiling: tiling);
            void Backward(TwoSimplicialAttention.Shape at, TwoSimplicialAttention.Tiling? tiling, TwoSimplicialAttention.Variant variant)
                => TwoSimplicialAttention.Backward(stream, at, q.View, k1.View, v1.View, k2.View, v2.View, o.View, dO.View, lse.View,
                    dQ.View, dK1.View, dV1.View, dK2.View, dV2.View, w1, w2, variant: variant, tiling: tiling);
            void Measure(string label, string what, TwoSimplicialAttention.Tiling? tiling, TwoSimplicialAttention.Variant variant)
            {
                double forward = Once(accelerator, () => Forward(warmUp, tiling, variant), () => Forward(shape, tiling, variant));
                results.Add($"simplicial_fwd_{label}", what, forward, "TFLOP/s", flops / 1e9);
                double backward = Once(accelerator, () => Backward(warmUp, tiling, variant), () => Backward(shape, tiling, variant));
                results.Add($"simplicial_bwd_{label}", what, backward, "TFLOP/s", 2.5 * flops / 1e9);
            }

            if (sweep is { } variant)
            {
                string prefix = variant == TwoSimplicialAttention.Variant.Determinant ? "det_" : "";
                foreach (var tiling in Candidates(shape))
                    Measure($"{prefix}{name}_{Label(tiling)}", text, tiling, variant);
                continue;
            }
            string Chosen(TwoSimplicialAttention.Variant variant)
                => $"{text} forward {Label(TwoSimplicialAttention.Choose(shape, w1, w2, backward: false, variant: variant))}, "
                    + $"backward {Label(TwoSimplicialAttention.Choose(shape, w1, w2, backward: true, variant: variant))}";
            Measure($"det_{name}", Chosen(TwoSimplicialAttention.Variant.Determinant), null, TwoSimplicialAttention.Variant.Determinant);
            Measure(name, Chosen(TwoSimplicialAttention.Variant.Trilinear), null, TwoSimplicialAttention.Variant.Trilinear);

            int checkedRows = Math.Min(CheckedRows, shape.N);
            Save(outDir, $"{name}_o", o, (long)checkedRows * shape.Heads * shape.D);
            Save(outDir, $"{name}_dq", dQ, (long)checkedRows * shape.Heads * shape.D);
            foreach (var (g, label) in new[] { (dK1, "dk1"), (dV1, "dv1"), (dK2, "dk2"), (dV2, "dv2") })
                Save(outDir, $"{name}_{label}", g, (long)checkedRows * shape.KvHeads * shape.D);
            var lseAll = lse.GetAsArray1D();
            var lseRows = new float[shape.Heads * checkedRows];
            for (int h = 0; h < shape.Heads; h++) Array.Copy(lseAll, (long)h * shape.N, lseRows, (long)h * checkedRows, checkedRows);
            File.WriteAllBytes(Path.Combine(outDir, $"{name}_lse.f32"), MemoryMarshal.AsBytes(lseRows.AsSpan()).ToArray());
        }
    }

    /// <summary>Every row-wise tiling, and the head-packed ones whose head block the group fills at least half of.</summary>
    private static IEnumerable<TwoSimplicialAttention.Tiling> Candidates(TwoSimplicialAttention.Shape shape)
    {
        foreach (int rows in new[] { 16, 32 })
            foreach (int keys in new[] { 16, 32 })
                yield return TwoSimplicialAttention.Tiling.RowWise(rows, keys);
        int group = shape.Heads / shape.KvHeads;
        foreach (int heads in new[] { 4, 16, 64 }.Where(h => 2 * group >= h && (h == 4 || group >= h)))
            foreach (int keys in new[] { 32, 64 })
                yield return TwoSimplicialAttention.Tiling.HeadPacked(heads, keys);
    }

    private static string Label(TwoSimplicialAttention.Tiling t)
        => t.Scheme == TwoSimplicialAttention.Scheme.RowWise ? $"row{t.Rows}x{t.Keys}" : $"packed{t.Rows}x{t.Keys}";

    private static MemoryBuffer1D<float, Stride1D.Dense> Upload(Accelerator accelerator, int tensor, long count)
    {
        var data = new float[count];
        Parallel.For(0L, count, i => data[i] = Input(tensor, i));
        return accelerator.Allocate1D(data);
    }

    /// <summary>Positions of the warm-up launches: enough to run every kernel, few enough to cost nothing.</summary>
    private const int WarmUpRows = 128;

    /// <summary>Milliseconds of one launch sequence after a warm-up (which compiles the kernels it launches).</summary>
    private static double Once(Accelerator accelerator, Action warmUp, Action launch)
    {
        warmUp();
        accelerator.Synchronize();
        var watch = Stopwatch.StartNew();
        launch();
        accelerator.Synchronize();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static void Save(string outDir, string name, MemoryBuffer1D<float, Stride1D.Dense> buffer, long count)
    {
        var data = new float[count];
        buffer.View.SubView(0, count).CopyToCPU(data);
        File.WriteAllBytes(Path.Combine(outDir, name + ".f32"), MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }
}
