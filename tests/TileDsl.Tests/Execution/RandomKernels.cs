using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Triton's counter-based random numbers (Randint, Rand, Randn) over ragged, masked tiles.</summary>
public static partial class RandomKernels
{
    /// <summary>
    /// words[i], uniform[i], normal[i] = Randint, Rand, Randn of (seed, i) for i &lt; n, in blocks of 64; and, per program
    /// p, the scalar forms at the offset p − 5 (negative for the first programs) into scalarWords[p] and scalars[2p],
    /// scalars[2p + 1].
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Draw(Ptr<int> words, Ptr<float> uniform, Ptr<float> normal, Ptr<int> scalarWords, Ptr<float> scalars, int n, long seed)
    {
        int program = ProgramId(0);
        var offs = program * 64 + Arange(0, 64);
        var mask = offs < n;
        Store(words + offs, Randint(seed, offs), mask);
        Store(uniform + offs, Rand(seed, offs), mask);
        Store(normal + offs, Randn(seed, offs), mask);
        Store(scalarWords + program, Randint(seed, program - 5));
        Store(scalars + 2 * program, Rand(seed, program - 5));
        Store(scalars + 2 * program + 1, Randn(seed, program - 5));
    }

    /// <summary>
    /// Triton's low-memory dropout (tutorial 04): each element kept with probability 1 − p and scaled by 1 / (1 − p),
    /// the keep mask drawn from (seed, offset) instead of being stored.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Dropout(Ptr<float> x, Ptr<float> output, int n, float p, int seed)
    {
        var offs = ProgramId(0) * 32 + Arange(0, 32);
        var mask = offs < n;
        var values = Load(x + offs, mask);
        var keep = Rand(seed, offs) > p;
        Store(output + offs, Where(keep, values / (1f - p), 0f), mask);
    }
}
