using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.IR;

/// <summary>The element types of tiles and scalars; <see cref="Semantics.ElementTypes"/> holds what each one is.</summary>
internal enum ElementType
{
    Bool,
    Int,
    Float,
    Double,
    Half,
    BFloat16,
    Long,
}

/// <summary>A value's static type: element type, shape (rank 0 is a scalar, uniform over the program) and, for a
/// pointer, the <c>Ptr&lt;T&gt;</c> parameter it points into (its values are 32-bit element offsets).</summary>
internal sealed record TileType(ElementType Element, EquatableArray<int> Shape, string? PointerParam = null)
{
    public int Rank => Shape.Count;

    public bool IsScalar => Shape.Count == 0;

    public bool IsPointer => PointerParam is not null;

    /// <summary>Elements of the tile (1 for a scalar).</summary>
    public int Count => Shape.Aggregate(1, (a, b) => a * b);

    public string ShapeText => ShapeRules.Format(Shape);

    public TileType WithShape(EquatableArray<int> shape) => this with { Shape = shape };

    public static TileType Scalar(ElementType element) => new(element, EquatableArray<int>.Empty);
}
