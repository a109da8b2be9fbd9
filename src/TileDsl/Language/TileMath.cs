using System;
using ILGPU.Algorithms;

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
}
