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

/// <summary>Eight consecutive 16-bit elements (16 bytes): a software pipeline's copies of bf16/fp16 tiles on the CPU
/// accelerator (on CUDA they go with one 16-byte <c>cp.async</c>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Vec8<T>
    where T : unmanaged
{
    public T E0;
    public T E1;
    public T E2;
    public T E3;
    public T E4;
    public T E5;
    public T E6;
    public T E7;

    public Vec8(T e0, T e1, T e2, T e3, T e4, T e5, T e6, T e7)
    {
        E0 = e0;
        E1 = e1;
        E2 = e2;
        E3 = e3;
        E4 = e4;
        E5 = e5;
        E6 = e6;
        E7 = e7;
    }
}
