using System.ComponentModel;

namespace TileDsl;

/// <summary>Two consecutive elements: generated kernels read and write through views of it to move 8 or 16 bytes at once.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Vec2<T>
    where T : unmanaged
{
    public T X;
    public T Y;

    public Vec2(T x, T y)
    {
        X = x;
        Y = y;
    }
}

/// <summary>Four consecutive elements: generated kernels read and write through views of it to move 16 bytes at once.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Vec4<T>
    where T : unmanaged
{
    public T X;
    public T Y;
    public T Z;
    public T W;

    public Vec4(T x, T y, T z, T w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }
}
