using ILGPU;
using ILGPU.Runtime;
using TileDsl.Kernels.Tutorials;

namespace TileDsl.Bench;

/// <summary>
/// How the tensor cores read a float at tf32, on the device: the tutorial's tf32 matmul (mma.sync, and wgmma where
/// the device runs Hopper kernels) of positive floats whose low 13 mantissa bits are random, against float64 of the
/// operands truncated to tf32 (the interpreter's model), rounded to nearest, and kept whole. Truncation loses up to an
/// ulp of tf32 from every operand in the same direction, so the three references lie far apart (about 1e-2 here)
/// next to the float sum's own error. `TileDsl.Bench --only tf32`.
/// </summary>
internal static class Tf32Check
{
    public static int Run(Accelerator accelerator)
    {
        const int m = 128, n = 128, k = 64;
        var random = new System.Random(6);
        float[] Positive(int count) => System.Linq.Enumerable.Range(0, count).Select(_ => (float)(0.5 + random.NextDouble() / 2)).ToArray();
        float[] a = Positive(m * k), b = Positive(k * n);
        static double Nearest(float x) => System.BitConverter.UInt32BitsToSingle((System.BitConverter.SingleToUInt32Bits(x) + 0x1000u) & 0xFFFFE000u);
        bool ok = true;
        foreach (var path in new[] { TensorCorePath.MmaSync, TensorCorePath.Auto })
        {
            var c = new float[m * n];
            using (TensorCores.Use(path))
            using (var ad = accelerator.Allocate1D(a))
            using (var bd = accelerator.Allocate1D(b))
            using (var cd = accelerator.Allocate1D<float>(c.Length))
            {
                Matmul.Run(accelerator.DefaultStream, ad.View, bd.View, cd.View, m, n, k, new Matmul.Blocks(128, 128, 32), InputPrecision.Tf32);
                accelerator.Synchronize();
                cd.CopyToCPU(c);
                string how = path == TensorCorePath.MmaSync ? "mma.sync" : TileMma.UsesWgmma(accelerator) ? "wgmma" : "default path";
                double truncated = SixteenBitCheck.WorstError(m, n, k, (i, l) => TileMath.TruncateToTf32(a[i * k + l]), (l, j) => TileMath.TruncateToTf32(b[l * n + j]), c);
                double nearest = SixteenBitCheck.WorstError(m, n, k, (i, l) => Nearest(a[i * k + l]), (l, j) => Nearest(b[l * n + j]), c);
                double full = SixteenBitCheck.WorstError(m, n, k, (i, l) => a[i * k + l], (l, j) => b[l * n + j], c);
                System.Console.WriteLine($"tf32: Dot [{m}, {k}] × [{k}, {n}] on {accelerator.Name} ({how}): max abs error {truncated:E2} against float64 of truncated operands "
                    + $"(bound {k} · 2^-24 · {k} = 2.4e-4), {nearest:E2} of operands rounded to nearest, {full:E2} of the floats");
                ok &= truncated <= 2.4e-4;
            }
        }
        return ok ? 0 : 1;
    }
}
