namespace TileDsl.Attention;

public static partial class TwoSimplicialAttention
{
    /// <summary>log₂ e: the kernels run the softmax in base 2 (<c>Exp2</c>), with the logits scaled by it.</summary>
    private const float Log2E = 1.44269504f;

    /// <summary>ln 2: converts the base-2 running maximum back for the natural-log LSE.</summary>
    private const float Ln2 = 0.6931471806f;
}
