using static TileDsl.Tl;

namespace TileDsl.Attention;

/// <summary>
/// The pieces the 2-simplicial kernels share, as [TileFunction] helpers (inlined where called). The determinant
/// variant works on consecutive feature triples: for feature d of a whole triple, its neighbours <c>next1</c>/<c>next2</c>
/// are the next two features of the triple (cyclically), so (x × y)_d = x_next1 · y_next2 − x_next2 · y_next1;
/// features past the last whole triple take no part.
/// </summary>
public static partial class TwoSimplicialAttention
{
    /// <summary>Whether each feature lies in a whole triple.</summary>
    [TileFunction]
    private static Tile<bool> InTriple(Tile<int> features, int D) => features < D / 3 * 3;

    /// <summary>Each feature's neighbour <paramref name="step"/> (1 or 2) further along its triple; itself outside the triples.</summary>
    [TileFunction]
    private static Tile<int> TripleNeighbour(Tile<int> features, int D, int step)
        => Where(InTriple(features, D), features / 3 * 3 + (features % 3 + step) % 3, features);

    /// <summary>x × y per triple from the operands' neighbours (0 outside the triples).</summary>
    [TileFunction]
    private static Tile<float> TripleCross(Tile<bool> triple, Tile<float> xNext1, Tile<float> xNext2, Tile<float> yNext1, Tile<float> yNext2)
        => Where(triple, xNext1 * yNext2 - xNext2 * yNext1, 0f);

    /// <summary>
    /// The left operand of the logits Dot of query rows and key rows: Q ⊙ K, or Q × K per triple for the determinant
    /// variant (DET = 1), from their neighbours.
    /// </summary>
    [TileFunction]
    private static Tile<float> LogitsFactor(int DET, Tile<bool> triple, Tile<float> q, Tile<float> qNext1, Tile<float> qNext2,
        Tile<float> k, Tile<float> kNext1, Tile<float> kNext2)
    {
        var factor = q * k;
        if (DET == 1)
        {
            factor = TripleCross(triple, qNext1, qNext2, kNext1, kNext2);
        }
        return factor;
    }

    /// <summary>The elements at <paramref name="rows"/> (a column of row offsets) plus <paramref name="features"/>, in the rows where <paramref name="inside"/> holds.</summary>
    [TileFunction]
    private static Tile<float> LoadRows(Ptr<float> p, Tile<int> rows, Tile<int> features, Tile<bool> inside)
        => Load(p + (rows + features[None, ..]), inside[.., None]);
}
