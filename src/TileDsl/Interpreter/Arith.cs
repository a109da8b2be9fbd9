using System;

namespace TileDsl;

/// <summary>The host meaning of the scalar operators for each element type a tile may hold.</summary>
internal static class Arith<T>
{
    public static readonly Func<T, T, T> Add = Bin((float a, float b) => a + b, (double a, double b) => a + b, (int a, int b) => a + b, null);
    public static readonly Func<T, T, T> Sub = Bin((float a, float b) => a - b, (double a, double b) => a - b, (int a, int b) => a - b, null);
    public static readonly Func<T, T, T> Mul = Bin((float a, float b) => a * b, (double a, double b) => a * b, (int a, int b) => a * b, null);
    public static readonly Func<T, T, T> Div = Bin((float a, float b) => a / b, (double a, double b) => a / b, (int a, int b) => a / b, null);
    public static readonly Func<T, T, T> Rem = Bin((float a, float b) => a % b, (double a, double b) => a % b, (int a, int b) => a % b, null);
    public static readonly Func<T, T, T> And = Bin(null, null, (int a, int b) => a & b, (bool a, bool b) => a & b);
    public static readonly Func<T, T, T> Or = Bin(null, null, (int a, int b) => a | b, (bool a, bool b) => a | b);
    public static readonly Func<T, T, T> Xor = Bin(null, null, (int a, int b) => a ^ b, (bool a, bool b) => a ^ b);
    public static readonly Func<T, T, T> Shl = Bin(null, null, (int a, int b) => a << b, null);
    public static readonly Func<T, T, T> Shr = Bin(null, null, (int a, int b) => a >> b, null);
    public static readonly Func<T, T> BitNot = Un(null, null, (int a) => ~a, null);
    public static readonly Func<T, T> Neg = Un((float a) => -a, (double a) => -a, (int a) => -a, null);
    public static readonly Func<T, T> Not = Un(null, null, null, (bool a) => !a);
    public static readonly Func<T, T, bool> Lt = Cmp((float a, float b) => a < b, (double a, double b) => a < b, (int a, int b) => a < b, null);
    public static readonly Func<T, T, bool> Le = Cmp((float a, float b) => a <= b, (double a, double b) => a <= b, (int a, int b) => a <= b, null);
    public static readonly Func<T, T, bool> Eq = Cmp((float a, float b) => a == b, (double a, double b) => a == b, (int a, int b) => a == b, (bool a, bool b) => a == b);
    public static readonly Func<T, T, bool> Ne = Cmp((float a, float b) => a != b, (double a, double b) => a != b, (int a, int b) => a != b, (bool a, bool b) => a != b);
    public static readonly Func<T, T, T> Max = Bin((float a, float b) => MathF.Max(a, b), (double a, double b) => Math.Max(a, b), (int a, int b) => Math.Max(a, b), null);
    public static readonly Func<T, T, T> Min = Bin((float a, float b) => MathF.Min(a, b), (double a, double b) => Math.Min(a, b), (int a, int b) => Math.Min(a, b), null);

    private static Func<T, T, T> Bin(Func<float, float, float>? f32, Func<double, double, double>? f64, Func<int, int, int>? i32, Func<bool, bool, bool>? b)
        => (Func<T, T, T>?)Choose(f32, f64, i32, b) ?? ((_, _) => throw Unsupported());

    private static Func<T, T, bool> Cmp(Func<float, float, bool>? f32, Func<double, double, bool>? f64, Func<int, int, bool>? i32, Func<bool, bool, bool>? b)
        => (Func<T, T, bool>?)Choose(f32, f64, i32, b) ?? ((_, _) => throw Unsupported());

    private static Func<T, T> Un(Func<float, float>? f32, Func<double, double>? f64, Func<int, int>? i32, Func<bool, bool>? b)
        => (Func<T, T>?)Choose(f32, f64, i32, b) ?? (_ => throw Unsupported());

    private static Delegate? Choose(Delegate? f32, Delegate? f64, Delegate? i32, Delegate? b)
        => typeof(T) == typeof(float) ? f32
            : typeof(T) == typeof(double) ? f64
            : typeof(T) == typeof(int) ? i32
            : typeof(T) == typeof(bool) ? b
            : null;

    private static NotSupportedException Unsupported() => new($"This operator is not defined for Tile<{typeof(T).Name}>.");
}

/// <summary>Element conversions with C# cast semantics (<c>bool</c> converts to 0 or 1).</summary>
internal static class Convert<TOut>
{
    public static Func<TIn, TOut> From<TIn>()
    {
        Func<TIn, double> toDouble = typeof(TIn) == typeof(bool) ? x => (bool)(object)x! ? 1 : 0 : x => System.Convert.ToDouble(x);
        if (typeof(TOut) == typeof(float)) return x => (TOut)(object)(float)toDouble(x);
        if (typeof(TOut) == typeof(double)) return x => (TOut)(object)toDouble(x);
        if (typeof(TOut) == typeof(int)) return x => (TOut)(object)(int)toDouble(x);
        if (typeof(TOut) == typeof(bool)) return x => (TOut)(object)(toDouble(x) != 0);
        throw new NotSupportedException($"Tiles of {typeof(TOut).Name} are not supported.");
    }
}
