using System;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime.Cuda;

namespace TileDsl;

/// <summary>
/// The scalar meaning of TileDsl's math ops beyond C#'s operators, in one place for both sides: the interpreter's
/// <see cref="Tl"/> methods map these over tiles, and the generated kernels call the same methods, which ILGPU compiles
/// for the CPU accelerator and CUDA (XMath's functions become the GPU's fast intrinsics there, so CUDA's results differ
/// from the host's by up to a few 1e-6, e.g. tanh; the interpreter and the CPU accelerator agree exactly).
/// </summary>
public static class TileMath
{
    /// <summary>1 / √x.</summary>
    public static float Rsqrt(float x) => XMath.Rsqrt(x);

    /// <inheritdoc cref="Rsqrt(float)"/>
    public static double Rsqrt(double x) => XMath.Rsqrt(x);

    /// <summary>The logistic function 1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + XMath.Exp(-x));

    /// <inheritdoc cref="Sigmoid(float)"/>
    public static double Sigmoid(double x) => 1.0 / (1.0 + XMath.Exp(-x));

    public static float Tanh(float x) => XMath.Tanh(x);

    public static double Tanh(double x) => XMath.Tanh(x);

    public static float Log2(float x) => XMath.Log2(x);

    public static double Log2(double x) => XMath.Log2(x);

    public static float Sin(float x) => XMath.Sin(x);

    public static double Sin(double x) => XMath.Sin(x);

    public static float Cos(float x) => XMath.Cos(x);

    public static double Cos(double x) => XMath.Cos(x);

    /// <summary>
    /// The error function, by Abramowitz and Stegun's 7.1.26 (absolute error ≤ 1.5e-7 in exact arithmetic, about
    /// 3e-7 in float): erf(|x|) = 1 − (a₁t + … + a₅t⁵)·e^(−x²), t = 1 / (1 + 0.3275911·|x|), odd in x.
    /// </summary>
    public static float Erf(float x)
    {
        float a = XMath.Abs(x);
        float t = 1f / (1f + 0.3275911f * a);
        float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
        float y = 1f - poly * XMath.Exp(-a * a);
        return x < 0f ? -y : y;
    }

    /// <summary>a · b + c (one rounding on CUDA, where the compiler contracts it to an FMA; two on the host).</summary>
    public static float Fma(float a, float b, float c) => a * b + c;

    /// <inheritdoc cref="Fma(float, float, float)"/>
    public static double Fma(double a, double b, double c) => a * b + c;

    /// <summary>x limited to [lo, hi]: Minimum(Maximum(x, lo), hi), as Triton's <c>clamp</c>.</summary>
    public static float Clamp(float x, float lo, float hi) => XMath.Min(XMath.Max(x, lo), hi);

    /// <inheritdoc cref="Clamp(float, float, float)"/>
    public static double Clamp(double x, double lo, double hi) => XMath.Min(XMath.Max(x, lo), hi);

    /// <inheritdoc cref="Clamp(float, float, float)"/>
    public static int Clamp(int x, int lo, int hi) => Math.Min(Math.Max(x, lo), hi);

    // Random numbers: Triton's tl.randint, tl.rand and tl.randn (python/triton/language/random.py), step for step.

    /// <summary>
    /// Philox4x32 with 10 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; Random123's
    /// <c>philox4x32_R(10, ...)</c>, Triton's <c>philox_impl</c>): the counter (c0, c1, c2, c3) encrypted under the key
    /// (k0, k1). Each round multiplies c0 and c2 by the round constants into 64-bit products, keeps the low halves as the
    /// new c3 and c1, xors the high halves with the other words and the key into the new c0 and c2, then adds the Weyl
    /// constants to the key.
    /// </summary>
    public static PhiloxBlock Philox4x32(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            uint next0 = MultiplyHigh(PhiloxRoundB, c2) ^ c1 ^ k0;
            uint next2 = MultiplyHigh(PhiloxRoundA, c0) ^ c3 ^ k1;
            c1 = PhiloxRoundB * c2;
            c3 = PhiloxRoundA * c0;
            c0 = next0;
            c2 = next2;
            k0 += PhiloxKeyA;
            k1 += PhiloxKeyB;
        }
        return new PhiloxBlock(c0, c1, c2, c3);
    }

    /// <summary>
    /// The four 32-bit words of Triton's <c>randint4x(seed, offset)</c>: <see cref="Philox4x32"/> of the counter
    /// (offset, 0, 0, 0) under the key (low, high 32 bits of the 64-bit seed). An int seed widens with its sign, as
    /// Triton's int32 seeds do (a negative one has high word 0xFFFFFFFF); the offset's bits go in unchanged.
    /// </summary>
    public static PhiloxBlock Randint4x(long seed, int offset) => Philox4x32((uint)offset, 0u, 0u, 0u, (uint)seed, (uint)(seed >> 32));

    /// <summary>Triton's <c>randint(seed, offset)</c>: the first word of <see cref="Randint4x"/>, as an int (same bits).</summary>
    public static int Randint(long seed, int offset) => (int)Randint4x(seed, offset).X;

    /// <summary>
    /// Triton's <c>uint_to_uniform_float</c> for 32-bit words: the word read as an int, negatives folded onto
    /// [0, 2³¹ − 1] by −x − 1 (so every word maps below 1), converted to float and multiplied, in float, by
    /// 4.6566127342e-10 (2⁻³¹·(1 − 2⁻²⁴) once rounded to float, so that (2³¹ − 1)·scale &lt; 1 in float rounding). Both steps are correctly
    /// rounded in IEEE single precision, so the result is the same bits on every device.
    /// </summary>
    public static float UniformFloat(int bits) => (bits < 0 ? -bits - 1 : bits) * 4.6566127342e-10f;

    /// <summary>Triton's <c>rand(seed, offset)</c>: a float in [0, 1), <see cref="UniformFloat"/> of <see cref="Randint"/>.</summary>
    public static float Rand(long seed, int offset) => UniformFloat(Randint(seed, offset));

    /// <summary>
    /// Triton's <c>randn(seed, offset)</c>: a standard normal by Box–Muller from the first two words of
    /// <see cref="Randint4x"/>, u1 and u2 uniform by <see cref="UniformFloat"/>, u1 raised to at least 1e-7 (so |n| ≤ 5.68),
    /// n = √(−2 ln u1) · cos(2π u2), all in float (2π rounded to float, as Triton's constant is). The first value of
    /// Triton's pair: its <c>randn</c> discards the sine. Log, square root and cosine are the device's, so the result
    /// matches Triton's up to their rounding (a few 1e-7 relative).
    /// </summary>
    public static float Randn(long seed, int offset)
    {
        var block = Randint4x(seed, offset);
        float u1 = XMath.Max(1.0e-7f, UniformFloat((int)block.X));
        float u2 = UniformFloat((int)block.Y);
        float theta = 6.283185307179586f * u2;
        float r = XMath.Sqrt(-2f * XMath.Log(u1));
        return r * XMath.Cos(theta);
    }

    private const uint PhiloxRoundA = 0xD2511F53u;
    private const uint PhiloxRoundB = 0xCD9E8D57u;
    private const uint PhiloxKeyA = 0x9E3779B9u; // the golden ratio's fraction, 2³² (√5 − 1) / 2
    private const uint PhiloxKeyB = 0xBB67AE85u; // √3 − 1, times 2³²

    /// <summary>The high 32 bits of the 64-bit product a · b (CUDA's <c>umulhi</c>).</summary>
    private static uint MultiplyHigh(uint a, uint b) => (uint)(((ulong)a * b) >> 32);

    // 16-bit floats. Kernels keep their values in float registers (each one exactly a bf16 or fp16 value) and memory
    // holds the bits: these conversions run in the interpreter and, compiled by ILGPU, in the kernels, so both round
    // alike. Computing an op in float and rounding once is the correctly rounded 16-bit result (float has more than
    // twice the mantissa bits plus two).

    /// <summary>The float whose upper half is the bfloat16 <paramref name="bits"/> (exact).</summary>
    public static float BFloat16ToFloat(ushort bits) => Interop.IntAsFloat((uint)bits << 16);

    /// <summary>The bfloat16 bits nearest <paramref name="x"/>, ties to even; NaN stays a (quiet) NaN.</summary>
    public static ushort FloatToBFloat16(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (ushort)((bits >> 16) | 0x0040u);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>The bits of a float that is a bfloat16 value (its upper half; <see cref="FloatToBFloat16"/> without the rounding).</summary>
    public static ushort BFloat16Bits(float x) => (ushort)(Interop.FloatAsInt(x) >> 16);

    /// <summary><paramref name="x"/> rounded to the nearest bfloat16 value, as a float.</summary>
    public static float RoundToBFloat16(float x) => BFloat16ToFloat(FloatToBFloat16(x));

    /// <summary>
    /// <paramref name="x"/> as TensorFloat-32: its low 13 mantissa bits cleared (1 sign, 8 exponent and 10 mantissa bits
    /// kept), which is how tensor cores read an fp32 operand of a <c>.tf32</c> mma; NaN stays NaN.
    /// </summary>
    public static float TruncateToTf32(float x)
        => float.IsNaN(x) ? x : Interop.IntAsFloat(Interop.FloatAsInt(x) & 0xFFFFE000u);

    /// <summary>The float value of the IEEE half-precision <paramref name="bits"/> (exact, subnormals included).</summary>
    public static float HalfToFloat(ushort bits)
    {
        // In kernels on CUDA, the hardware's exact conversion (cvt.f32.f16) instead of the branches below, but for
        // infinities and NaNs, whose payload the hardware would not keep (it returns the canonical NaN).
        if (CudaAsm.IsSupported && (bits & 0x7C00) != 0x7C00) return Interop.IntAsFloat(bits);
        uint sign = (uint)(bits & 0x8000) << 16;
        uint exponent = (uint)(bits >> 10) & 0x1Fu, mantissa = bits & 0x3FFu;
        if (exponent == 0x1F) return Interop.IntAsFloat(sign | 0x7F800000u | (mantissa << 13));
        if (exponent == 0) return Interop.IntAsFloat(sign | Interop.FloatAsInt(mantissa * 5.9604644775390625E-08f));
        return Interop.IntAsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /// <summary>The half-precision bits nearest <paramref name="x"/>, ties to even (subnormals, overflow to infinity;
    /// NaN stays a quiet NaN).</summary>
    public static ushort FloatToHalf(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        uint sign = (bits >> 16) & 0x8000u, magnitude = bits & 0x7FFFFFFFu;
        if (magnitude > 0x7F800000u) return (ushort)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
        if (CudaAsm.IsSupported)
        {
            // In kernels on CUDA, the hardware's conversion (cvt.rn.f16.f32 through ILGPU's Half): the same rounding
            // (to nearest, ties to even, subnormals, overflow to infinity) in one instruction instead of the branches
            // below, which made the fp16 matmul run at less than half bf16's speed on 128 × 256 blocks on an H200 (NaN
            // keeps its payload above, which the hardware would not). Not inline PTX: its out operand goes through
            // local memory.
            return Interop.FloatAsInt((ILGPU.Half)x);
        }
        if (magnitude >= 0x477FF000u) return (ushort)(sign | 0x7C00u); // 65520 and up: infinity
        if (magnitude <= 0x33000000u) return (ushort)sign; // 2^-25 and below: zero (2^-25 is a tie, to even)
        if (magnitude < 0x38800000u)
        {
            // Below 2^-14: a subnormal, mantissa × 2^-24.
            int shift = 126 - (int)(magnitude >> 23);
            uint full = (magnitude & 0x7FFFFFu) | 0x800000u;
            uint kept = full >> shift, rest = full & ((1u << shift) - 1), half = 1u << (shift - 1);
            if (rest > half || (rest == half && (kept & 1u) != 0)) kept++;
            return (ushort)(sign | kept);
        }
        uint result = (magnitude - 0x38000000u) >> 13, remainder = magnitude & 0x1FFFu;
        if (remainder > 0x1000u || (remainder == 0x1000u && (result & 1u) != 0)) result++;
        return (ushort)(sign | result);
    }

    /// <summary><paramref name="x"/> rounded to the nearest half-precision value, as a float.</summary>
    public static float RoundToHalf(float x) => HalfToFloat(FloatToHalf(x));
}

/// <summary>The four 32-bit words of one Philox4x32 block (<see cref="TileMath.Philox4x32"/>).</summary>
public readonly struct PhiloxBlock
{
    public PhiloxBlock(uint x, uint y, uint z, uint w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }

    public uint X { get; }

    public uint Y { get; }

    public uint Z { get; }

    public uint W { get; }
}
