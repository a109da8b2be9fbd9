using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;
using Half = System.Half;

namespace TileDsl.Bench;

/// <summary>
/// bf16 and fp16 on the device against the interpreter, bit for bit: conversions of floats across the whole range
/// (ties, subnormals, overflow, NaN), an op rounded twice, and a bf16 Dot into float. `TileDsl.Bench --only sixteen`.
/// Conversions keep a NaN's payload bits; arithmetic results that are NaN are compared only as NaN.
/// </summary>
internal static partial class SixteenBitCheck
{
    [TileKernel(NumWarps = 4)]
    public static void Convert(Ptr<float> x, Ptr<BFloat16> bf, Ptr<Half> h, Ptr<float> back, int n, [Constexpr(512)] int BLOCK)
    {
        var offs = ProgramId(0) * BLOCK + Arange(0, BLOCK);
        var inside = offs < n;
        var v = Load(x + offs, inside);
        var b = v.To<BFloat16>();
        var f = v.To<Half>();
        Store(bf + offs, b * b - b, inside);
        Store(h + offs, f, inside);
        Store(back + offs, b.To<float>() + f.To<float>(), inside);
    }

    /// <summary>c = a · b, a [32, 64] and b [64, 32] of bf16, in float.</summary>
    [TileKernel(NumWarps = 4)]
    public static void Product(Ptr<BFloat16> a, Ptr<BFloat16> b, Ptr<float> c)
    {
        var r = Arange(0, 32);
        var k = Arange(0, 64);
        var aTile = Load(a + (r[.., None] * 64 + k[None, ..]));
        var bTile = Load(b + (k[.., None] * 32 + r[None, ..]));
        Store(c + (r[.., None] * 32 + r[None, ..]), Dot(aTile, bTile));
    }

    /// <summary>c = Trans(aT) · Trans(bT), aT [64, 64] (k, m) and bT [64, 64] (n, k) of fp16, in float: on Hopper its
    /// wgmma kernel, with a staged M-major and b K-major (the tutorial's transposes), stored without a pipeline.</summary>
    [TileKernel(NumWarps = 4)]
    public static void TransposedProduct(Ptr<Half> aT, Ptr<Half> bT, Ptr<float> c)
    {
        var r = Arange(0, 64);
        var aTile = Load(aT + (r[.., None] * 64 + r[None, ..]));
        var bTile = Load(bT + (r[.., None] * 64 + r[None, ..]));
        Store(c + (r[.., None] * 64 + r[None, ..]), Dot(Trans(aTile), Trans(bTile)));
    }

    /// <summary>Runs the kernels on the accelerator (and the conversions in the interpreter); prints how many elements
    /// differ, and the Dots' errors against float64.</summary>
    public static int Run(Accelerator accelerator)
    {
        const int n = 1 << 20;
        var random = new System.Random(5);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            uint bits = (uint)random.Next() & 0x807FFFFFu | (uint)random.Next(0, 256) << 23;
            if (i % 4 == 0) bits = bits & 0xFFFF0000u | 0x8000u; // bf16 ties
            if (i % 4 == 1) bits = bits & 0xFFFFE000u | 0x1000u; // fp16 ties
            x[i] = System.BitConverter.UInt32BitsToSingle(bits);
        }
        var (bf, h, back) = (new BFloat16[n], new Half[n], new float[n]);
        var (bf2, h2, back2) = (new BFloat16[n], new Half[n], new float[n]);
        using (var xd = accelerator.Allocate1D(x))
        using (var bfd = accelerator.Allocate1D<BFloat16>(n))
        using (var hd = accelerator.Allocate1D<Half>(n))
        using (var backd = accelerator.Allocate1D<float>(n))
        {
            ConvertKernel.Launch(accelerator, n / 512, xd.View, bfd.View, hd.View, backd.View, n, 512);
            accelerator.Synchronize();
            bfd.CopyToCPU(bf2);
            hd.CopyToCPU(h2);
            backd.CopyToCPU(back2);
        }
        ConvertKernel.Interpret(n / 512, x, bf, h, back, n, 512);
        // NaNs compare as NaNs: arithmetic on the GPU returns the canonical NaN, the host keeps the operand's payload.
        int differ = 0;
        for (int i = 0; i < n; i++)
        {
            bool same = (float.IsNaN((float)bf[i]) ? float.IsNaN((float)bf2[i]) : bf[i].RawValue == bf2[i].RawValue)
                && System.BitConverter.HalfToUInt16Bits(h[i]) == System.BitConverter.HalfToUInt16Bits(h2[i])
                && (float.IsNaN(back[i]) ? float.IsNaN(back2[i]) : System.BitConverter.SingleToUInt32Bits(back[i]) == System.BitConverter.SingleToUInt32Bits(back2[i]));
            if (!same && differ++ < 5) System.Console.WriteLine($"  x = {x[i]:R}: bf16 {bf[i].RawValue:X4}/{bf2[i].RawValue:X4}, fp16 {System.BitConverter.HalfToUInt16Bits(h[i]):X4}/{System.BitConverter.HalfToUInt16Bits(h2[i]):X4}, back {back[i]:R}/{back2[i]:R}");
        }
        System.Console.WriteLine($"sixteen: conversions and bf16 ops of {n} floats on {accelerator.Name}: {differ} differ from the interpreter");

        var a = new BFloat16[32 * 64];
        var b = new BFloat16[64 * 32];
        for (int i = 0; i < a.Length; i++) a[i] = (BFloat16)(float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < b.Length; i++) b[i] = (BFloat16)(float)(random.NextDouble() * 2 - 1);
        var c = new float[32 * 32];
        using (var ad = accelerator.Allocate1D(a))
        using (var bd = accelerator.Allocate1D(b))
        using (var cd = accelerator.Allocate1D<float>(c.Length))
        {
            ProductKernel.Launch(accelerator, 1, ad.View, bd.View, cd.View);
            accelerator.Synchronize();
            cd.CopyToCPU(c);
        }
        double worst = WorstError(32, 32, 64, (i, l) => (float)a[i * 64 + l], (l, j) => (float)b[l * 32 + j], c);
        System.Console.WriteLine($"sixteen: bf16 Dot [32, 64] × [64, 32] on {accelerator.Name}: max abs error {worst:E2} against float64 (bound 64 · 2^-24 · 64 = 2.4e-4)");

        var aT = new Half[64 * 64];
        var bT = new Half[64 * 64];
        for (int i = 0; i < aT.Length; i++) aT[i] = (Half)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < bT.Length; i++) bT[i] = (Half)(random.NextDouble() * 2 - 1);
        var ct = new float[64 * 64];
        using (var ad = accelerator.Allocate1D(aT))
        using (var bd = accelerator.Allocate1D(bT))
        using (var cd = accelerator.Allocate1D<float>(ct.Length))
        {
            TransposedProductKernel.Launch(accelerator, 1, ad.View, bd.View, cd.View);
            accelerator.Synchronize();
            cd.CopyToCPU(ct);
        }
        double worstT = WorstError(64, 64, 64, (i, l) => (double)aT[l * 64 + i], (l, j) => (double)bT[j * 64 + l], ct);
        System.Console.WriteLine($"sixteen: fp16 Dot Trans([64, 64]) × Trans([64, 64]) on {accelerator.Name}{(TileMma.UsesWgmma(accelerator) ? " (wgmma)" : "")}: max abs error {worstT:E2} against float64 (bound 2.4e-4)");
        return differ == 0 && worst <= 2.4e-4 && worstT <= 2.4e-4 ? 0 : 1;
    }

    /// <summary>The largest absolute difference between <paramref name="c"/> [m, n] (row-major) and the float64 product
    /// of <paramref name="a"/> [m, k] and <paramref name="b"/> [k, n].</summary>
    internal static double WorstError(int m, int n, int k, System.Func<int, int, double> a, System.Func<int, int, double> b, float[] c)
    {
        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double exact = 0;
                for (int l = 0; l < k; l++) exact += a(i, l) * b(l, j);
                worst = System.Math.Max(worst, System.Math.Abs(exact - c[i * n + j]));
            }
        return worst;
    }
}
