using System;

namespace TileDsl;

/// <summary>The host meaning of the scalar operators for each element type a tile may hold.</summary>
internal static class Arith<T>
{
    public static readonly Func<T, T, T> Add = Bin((float a, float b) => a + b, (double a, double b) => a + b, (int a, int b) => a + b, (long a, long b) => a + b, null);
    public static readonly Func<T, T, T> Sub = Bin((float a, float b) => a - b, (double a, double b) => a - b, (int a, int b) => a - b, (long a, long b) => a - b, null);
    public static readonly Func<T, T, T> Mul = Bin((float a, float b) => a * b, (double a, double b) => a * b, (int a, int b) => a * b, (long a, long b) => a * b, null);
    public static readonly Func<T, T, T> Div = Bin((float a, float b) => a / b, (double a, double b) => a / b, (int a, int b) => a / b, (long a, long b) => a / b, null);
    public static readonly Func<T, T, T> Rem = Bin((float a, float b) => a % b, (double a, double b) => a % b, (int a, int b) => a % b, (long a, long b) => a % b, null);
    public static readonly Func<T, T, T> And = Bin(null, null, (int a, int b) => a & b, (long a, long b) => a & b, (bool a, bool b) => a & b);
    public static readonly Func<T, T, T> Or = Bin(null, null, (int a, int b) => a | b, (long a, long b) => a | b, (bool a, bool b) => a | b);
    public static readonly Func<T, T, T> Xor = Bin(null, null, (int a, int b) => a ^ b, (long a, long b) => a ^ b, (bool a, bool b) => a ^ b);
    public static readonly Func<T, T, T> Shl = Bin(null, null, (int a, int b) => a << b, (long a, long b) => a << (int)b, null);
    public static readonly Func<T, T, T> Shr = Bin(null, null, (int a, int b) => a >> b, (long a, long b) => a >> (int)b, null);
    public static readonly Func<T, T> BitNot = Un(null, null, (int a) => ~a, (long a) => ~a, null);
    public static readonly Func<T, T> Neg = Un((float a) => -a, (double a) => -a, (int a) => -a, (long a) => -a, null);
    public static readonly Func<T, T> Not = Un(null, null, null, null, (bool a) => !a);
    public static readonly Func<T, T, bool> Lt = Cmp((float a, float b) => a < b, (double a, double b) => a < b, (int a, int b) => a < b, (long a, long b) => a < b, null);
    public static readonly Func<T, T, bool> Le = Cmp((float a, float b) => a <= b, (double a, double b) => a <= b, (int a, int b) => a <= b, (long a, long b) => a <= b, null);
    public static readonly Func<T, T, bool> Eq = Cmp((float a, float b) => a == b, (double a, double b) => a == b, (int a, int b) => a == b, (long a, long b) => a == b, (bool a, bool b) => a == b);
    public static readonly Func<T, T, bool> Ne = Cmp((float a, float b) => a != b, (double a, double b) => a != b, (int a, int b) => a != b, (long a, long b) => a != b, (bool a, bool b) => a != b);
    public static readonly Func<T, T, T> Max = Bin((float a, float b) => MathF.Max(a, b), (double a, double b) => Math.Max(a, b), (int a, int b) => Math.Max(a, b), (long a, long b) => Math.Max(a, b), null);
    public static readonly Func<T, T, T> Min = Bin((float a, float b) => MathF.Min(a, b), (double a, double b) => Math.Min(a, b), (int a, int b) => Math.Min(a, b), (long a, long b) => Math.Min(a, b), null);

    // 16-bit floats compute in float and round the result (see TileMath).
    private static Func<T, T, T> Bin(Func<float, float, float>? f32, Func<double, double, double>? f64, Func<int, int, int>? i32, Func<long, long, long>? i64, Func<bool, bool, bool>? b)
        => (Func<T, T, T>?)Choose(f32, f64, i32, i64, b)
            ?? (Sixteen.Is<T>() && f32 is not null ? (Func<T, T, T>)((x, y) => Sixteen.From<T>(f32(Sixteen.ToFloat(x), Sixteen.ToFloat(y)))) : null)
            ?? ((_, _) => throw Unsupported());

    private static Func<T, T, bool> Cmp(Func<float, float, bool>? f32, Func<double, double, bool>? f64, Func<int, int, bool>? i32, Func<long, long, bool>? i64, Func<bool, bool, bool>? b)
        => (Func<T, T, bool>?)Choose(f32, f64, i32, i64, b)
            ?? (Sixteen.Is<T>() && f32 is not null ? (Func<T, T, bool>)((x, y) => f32(Sixteen.ToFloat(x), Sixteen.ToFloat(y))) : null)
            ?? ((_, _) => throw Unsupported());

    private static Func<T, T> Un(Func<float, float>? f32, Func<double, double>? f64, Func<int, int>? i32, Func<long, long>? i64, Func<bool, bool>? b)
        => (Func<T, T>?)Choose(f32, f64, i32, i64, b)
            ?? (Sixteen.Is<T>() && f32 is not null ? (Func<T, T>)(x => Sixteen.From<T>(f32(Sixteen.ToFloat(x)))) : null)
            ?? (_ => throw Unsupported());

    private static Delegate? Choose(Delegate? f32, Delegate? f64, Delegate? i32, Delegate? i64, Delegate? b)
        => typeof(T) == typeof(float) ? f32
            : typeof(T) == typeof(double) ? f64
            : typeof(T) == typeof(int) ? i32
            : typeof(T) == typeof(long) ? i64
            : typeof(T) == typeof(bool) ? b
            : null;

    private static NotSupportedException Unsupported() => new($"This operator is not defined for Tile<{typeof(T).Name}>.");
}

/// <summary>
/// The 16-bit float element types (<see cref="BFloat16"/>, <see cref="Half"/>) on the host: their float values and
/// rounding, through <see cref="TileMath"/>'s conversions, which the kernels run too.
/// </summary>
internal static class Sixteen
{
    public static bool Is<T>() => typeof(T) == typeof(BFloat16) || typeof(T) == typeof(Half);

    public static float ToFloat<T>(T value) => value switch
    {
        BFloat16 b => TileMath.BFloat16ToFloat(b.RawValue),
        Half h => TileMath.HalfToFloat(BitConverter.HalfToUInt16Bits(h)),
        _ => throw new NotSupportedException($"{typeof(T).Name} is not a 16-bit float type."),
    };

    /// <summary><paramref name="value"/> rounded to the nearest <typeparamref name="T"/>, ties to even.</summary>
    public static T From<T>(float value)
    {
        if (typeof(T) == typeof(BFloat16)) return (T)(object)BFloat16.FromBits(TileMath.FloatToBFloat16(value));
        if (typeof(T) == typeof(Half)) return (T)(object)BitConverter.UInt16BitsToHalf(TileMath.FloatToHalf(value));
        throw new NotSupportedException($"{typeof(T).Name} is not a 16-bit float type.");
    }
}

/// <summary>Element conversions with C# cast semantics (<c>bool</c> converts to 0 or 1; to a 16-bit float: through
/// float, rounding to nearest even).</summary>
internal static class Convert<TOut>
{
    public static Func<TIn, TOut> From<TIn>()
    {
        if (typeof(TIn) == typeof(long))
        {
            // Not through double: C#'s casts from long (wrapping to int, one rounding to float).
            Func<long, object> from = typeof(TOut) == typeof(long) ? v => v
                : typeof(TOut) == typeof(int) ? v => unchecked((int)v)
                : typeof(TOut) == typeof(float) ? v => (float)v
                : typeof(TOut) == typeof(double) ? v => (double)v
                : typeof(TOut) == typeof(bool) ? v => v != 0
                : v => Convert<TOut>.From<float>()((float)v)!;
            return x => (TOut)from((long)(object)x!);
        }
        if (Sixteen.Is<TOut>())
        {
            var toFloat = Convert<float>.From<TIn>();
            return x => Sixteen.From<TOut>(toFloat(x));
        }
        Func<TIn, double> toDouble = typeof(TIn) == typeof(bool) ? x => (bool)(object)x! ? 1 : 0
            : Sixteen.Is<TIn>() ? x => Sixteen.ToFloat(x)
            : x => System.Convert.ToDouble(x);
        if (typeof(TOut) == typeof(float)) return x => (TOut)(object)(float)toDouble(x);
        if (typeof(TOut) == typeof(double)) return x => (TOut)(object)toDouble(x);
        if (typeof(TOut) == typeof(int)) return x => (TOut)(object)(int)toDouble(x);
        if (typeof(TOut) == typeof(long)) return typeof(TIn) == typeof(int) ? x => (TOut)(object)(long)(int)(object)x! : x => (TOut)(object)(long)toDouble(x);
        if (typeof(TOut) == typeof(bool)) return x => (TOut)(object)(toDouble(x) != 0);
        throw new NotSupportedException($"Tiles of {typeof(TOut).Name} are not supported.");
    }
}
