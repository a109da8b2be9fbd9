using System;
using System.Globalization;

namespace TileDsl;

/// <summary>
/// bfloat16: the upper 16 bits of an IEEE float32 (8 exponent bits, 7 mantissa bits), as tensor cores take it. .NET has
/// no such type; this one stores the raw bits and converts to and from <see cref="float"/> (exactly one way, rounding
/// to nearest even the other, NaN kept NaN). Tiles of it compute in float and round each result, as Triton does.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>
{
    private BFloat16(ushort bits) => RawValue = bits;

    /// <summary>The 16 bits as stored in memory.</summary>
    public ushort RawValue { get; }

    /// <summary>The value whose bits are <paramref name="bits"/>.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    public static explicit operator float(BFloat16 value) => TileMath.BFloat16ToFloat(value.RawValue);

    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>Rounds to the nearest bfloat16, ties to even; overflow gives infinity, NaN stays NaN.</summary>
    public static explicit operator BFloat16(float value) => new(TileMath.FloatToBFloat16(value));

    public static explicit operator BFloat16(double value) => (BFloat16)(float)value;

    public static explicit operator BFloat16(int value) => (BFloat16)(float)value;

    public static explicit operator int(BFloat16 value) => (int)(float)value;

    public static BFloat16 operator +(BFloat16 a, BFloat16 b) => (BFloat16)((float)a + (float)b);

    public static BFloat16 operator -(BFloat16 a, BFloat16 b) => (BFloat16)((float)a - (float)b);

    public static BFloat16 operator *(BFloat16 a, BFloat16 b) => (BFloat16)((float)a * (float)b);

    public static BFloat16 operator /(BFloat16 a, BFloat16 b) => (BFloat16)((float)a / (float)b);

    public static BFloat16 operator -(BFloat16 a) => new((ushort)(a.RawValue ^ 0x8000));

    public static bool operator <(BFloat16 a, BFloat16 b) => (float)a < (float)b;

    public static bool operator >(BFloat16 a, BFloat16 b) => (float)a > (float)b;

    public static bool operator <=(BFloat16 a, BFloat16 b) => (float)a <= (float)b;

    public static bool operator >=(BFloat16 a, BFloat16 b) => (float)a >= (float)b;

    /// <summary>IEEE equality: NaN equals nothing, +0 equals −0.</summary>
    public static bool operator ==(BFloat16 a, BFloat16 b) => (float)a == (float)b;

    public static bool operator !=(BFloat16 a, BFloat16 b) => (float)a != (float)b;

    /// <summary>Equality of the values as <see cref="float"/>'s Equals has it (NaN equals NaN), for collections.</summary>
    public bool Equals(BFloat16 other) => ((float)this).Equals((float)other);

    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    public override int GetHashCode() => ((float)this).GetHashCode();

    public int CompareTo(BFloat16 other) => ((float)this).CompareTo((float)other);

    public override string ToString() => ((float)this).ToString(CultureInfo.InvariantCulture);
}
