namespace TileDsl;

/// <summary>
/// Double literals beside float tiles, weakly typed as in Triton (a Python float literal takes the tensor's type):
/// <c>v * 0.5</c>, <c>v &lt; 1e-3</c>, <c>Where(m, v, 0.0)</c>, <c>Maximum(v, 0.0)</c> with <c>v</c> a <c>Tile&lt;float&gt;</c> are float
/// ops on the literal rounded once to float, the same as <c>v * 0.5f</c>; the tile is not promoted to double. C#
/// finds these operators only where none of <see cref="Tile{T}"/>'s applies (a double beside a float tile), so no other
/// expression changes meaning; <c>Tile&lt;int&gt; * 0.5</c> stays a C# error (convert the tile first). The generator takes
/// constants only (TD0014): a runtime double beside a float tile is converted explicitly, <c>v * (float)d</c>.
/// </summary>
public static class WeakLiterals
{
    extension(Tile<float>)
    {
        [TileOp(TileOpKind.Add, WeakLiteral = true)] public static Tile<float> operator +(Tile<float> a, double b) => a + (float)b;
        [TileOp(TileOpKind.Add, WeakLiteral = true)] public static Tile<float> operator +(double a, Tile<float> b) => (float)a + b;
        [TileOp(TileOpKind.Sub, WeakLiteral = true)] public static Tile<float> operator -(Tile<float> a, double b) => a - (float)b;
        [TileOp(TileOpKind.Sub, WeakLiteral = true)] public static Tile<float> operator -(double a, Tile<float> b) => (float)a - b;
        [TileOp(TileOpKind.Mul, WeakLiteral = true)] public static Tile<float> operator *(Tile<float> a, double b) => a * (float)b;
        [TileOp(TileOpKind.Mul, WeakLiteral = true)] public static Tile<float> operator *(double a, Tile<float> b) => (float)a * b;
        [TileOp(TileOpKind.Div, WeakLiteral = true)] public static Tile<float> operator /(Tile<float> a, double b) => a / (float)b;
        [TileOp(TileOpKind.Div, WeakLiteral = true)] public static Tile<float> operator /(double a, Tile<float> b) => (float)a / b;
        [TileOp(TileOpKind.Rem, WeakLiteral = true)] public static Tile<float> operator %(Tile<float> a, double b) => a % (float)b;
        [TileOp(TileOpKind.Rem, WeakLiteral = true)] public static Tile<float> operator %(double a, Tile<float> b) => (float)a % b;

        [TileOp(TileOpKind.Lt, WeakLiteral = true)] public static Tile<bool> operator <(Tile<float> a, double b) => a < (float)b;
        [TileOp(TileOpKind.Lt, WeakLiteral = true)] public static Tile<bool> operator <(double a, Tile<float> b) => (float)a < b;
        [TileOp(TileOpKind.Le, WeakLiteral = true)] public static Tile<bool> operator <=(Tile<float> a, double b) => a <= (float)b;
        [TileOp(TileOpKind.Le, WeakLiteral = true)] public static Tile<bool> operator <=(double a, Tile<float> b) => (float)a <= b;
        [TileOp(TileOpKind.Gt, WeakLiteral = true)] public static Tile<bool> operator >(Tile<float> a, double b) => a > (float)b;
        [TileOp(TileOpKind.Gt, WeakLiteral = true)] public static Tile<bool> operator >(double a, Tile<float> b) => (float)a > b;
        [TileOp(TileOpKind.Ge, WeakLiteral = true)] public static Tile<bool> operator >=(Tile<float> a, double b) => a >= (float)b;
        [TileOp(TileOpKind.Ge, WeakLiteral = true)] public static Tile<bool> operator >=(double a, Tile<float> b) => (float)a >= b;
        [TileOp(TileOpKind.Eq, WeakLiteral = true)] public static Tile<bool> operator ==(Tile<float> a, double b) => a == (float)b;
        [TileOp(TileOpKind.Eq, WeakLiteral = true)] public static Tile<bool> operator ==(double a, Tile<float> b) => (float)a == b;
        [TileOp(TileOpKind.Ne, WeakLiteral = true)] public static Tile<bool> operator !=(Tile<float> a, double b) => a != (float)b;
        [TileOp(TileOpKind.Ne, WeakLiteral = true)] public static Tile<bool> operator !=(double a, Tile<float> b) => (float)a != b;
    }
}
