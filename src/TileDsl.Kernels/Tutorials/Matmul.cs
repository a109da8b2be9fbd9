using Half = System.Half;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Kernels.Tutorials;

/// <summary>Tiled matrix multiplication (Triton's tutorial 03) with grouped program ordering for L2 reuse: fp32 on FMA
/// units or, at tf32, on tensor cores; bf16 and fp16 on tensor cores (fp32 accumulation).</summary>
public static partial class Matmul
{
    /// <summary>
    /// C = A · B for A [M, K] and B [K, N] with any strides; one BM × BN block of C per program. Programs run through
    /// C in groups of GROUP_M block rows, so that programs running together share A and B tiles in the L2 cache. The
    /// compiler pipelines the loop (NumStages = 3): the tiles of step k + 2·BK are copied to shared memory while step
    /// k multiplies.
    /// </summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void Kernel(Ptr<float> a, Ptr<float> b, Ptr<float> c, int M, int N, int K,
        int strideAm, int strideAk, int strideBk, int strideBn, int strideCm, int strideCn,
        [Constexpr(32, 128)] int BM, [Constexpr(32, 128)] int BN, [Constexpr(8, 16, 32)] int BK, [Constexpr(8)] int GROUP_M)
    {
        var rm = GroupedRow(M, N, BM, BN, GROUP_M) * BM + Arange(0, BM);
        var rn = GroupedColumn(M, N, BM, BN, GROUP_M) * BN + Arange(0, BN);
        var acc = Zeros<float>(BM, BN);
        for (int k = 0; k < K; k += BK)
        {
            var rk = k + Arange(0, BK);
            var aTile = Load(a + (rm[.., None] * strideAm + rk[None, ..] * strideAk), (rm[.., None] < M) & (rk[None, ..] < K));
            var bTile = Load(b + (rk[.., None] * strideBk + rn[None, ..] * strideBn), (rk[.., None] < K) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc);
        }
        Store(c + (rm[.., None] * strideCm + rn[None, ..] * strideCn), acc, (rm[.., None] < M) & (rn[None, ..] < N));
    }

    /// <summary>
    /// The same for bfloat16 A, B and C whose rows are contiguous (BLAS's leading dimensions: strides along k, n and n
    /// are 1, so that the offsets of a row are known to step by one): products accumulated in float on tensor cores, C
    /// rounded once. Each step's tiles are loaded where the Dot uses them, and the compiler pipelines the loop
    /// (NumStages = 3: the tiles of step k + 2·BK are copied to shared memory while step k multiplies; on an H200 2.3×
    /// faster than without). 128-row blocks run on 8 warps: on mma.sync, 64 × 32 (or 64 × 64) each; on Hopper, where
    /// BK = 64, the kernel's Hopper variant runs two warpgroups of wgmma m64n128k16 (or m64n256k16 for BN = 256:
    /// 0.71× torch.matmul at 4096³ and 0.80× at 8192³ on an H200, docs/performance.md).
    /// </summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void Bf16(Ptr<BFloat16> a, Ptr<BFloat16> b, Ptr<BFloat16> c, int M, int N, int K, int strideAm, int strideBk, int strideCm,
        [Constexpr(32, 128, Warps = new[] { 4, 8 })] int BM, [Constexpr(32, 128, 256)] int BN, [Constexpr(32, 64)] int BK, [Constexpr(8)] int GROUP_M)
        => TensorCoreProduct(a, b, c, M, N, K, strideAm, strideBk, strideCm, BM, BN, BK, GROUP_M, 0, 0);

    /// <summary>The same for half-precision A, B and C.</summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void Fp16(Ptr<Half> a, Ptr<Half> b, Ptr<Half> c, int M, int N, int K, int strideAm, int strideBk, int strideCm,
        [Constexpr(32, 128, Warps = new[] { 4, 8 })] int BM, [Constexpr(32, 128, 256)] int BN, [Constexpr(32, 64)] int BK, [Constexpr(8)] int GROUP_M)
        => TensorCoreProduct(a, b, c, M, N, K, strideAm, strideBk, strideCm, BM, BN, BK, GROUP_M, 0, 0);

    /// <summary>
    /// C = A · B of float matrices whose rows are contiguous, on tensor cores at tf32 (<see cref="InputPrecision.Tf32"/>:
    /// each element of A and B truncated to tf32, products summed in float; Triton's default for fp32 <c>tl.dot</c>).
    /// tf32 mma reads only k-major operands, so B [K, N] is transposed on its way into shared memory, one element a
    /// copy; <see cref="Tf32TransposedB"/>, which takes Bᵀ, copies 16 bytes at a time.
    /// </summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void Tf32(Ptr<float> a, Ptr<float> b, Ptr<float> c, int M, int N, int K, int strideAm, int strideBk, int strideCm,
        [Constexpr(32, 128, Warps = new[] { 4, 8 })] int BM, [Constexpr(32, 128, 256)] int BN, [Constexpr(32)] int BK, [Constexpr(8)] int GROUP_M)
        => TensorCoreProduct(a, b, c, M, N, K, strideAm, strideBk, strideCm, BM, BN, BK, GROUP_M, 1, 0);

    /// <summary>C = A · B at tf32 for A [M, K] and Bᵀ [N, K] given (rows contiguous: BLAS's "TN"): both operands arrive
    /// contiguous along k, as tf32 mma reads them, so both are copied into the pipeline's stages 16 bytes at a time.</summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void Tf32TransposedB(Ptr<float> a, Ptr<float> bT, Ptr<float> c, int M, int N, int K, int strideAm, int strideBn, int strideCm,
        [Constexpr(32, 128, Warps = new[] { 4, 8 })] int BM, [Constexpr(32, 128, 256)] int BN, [Constexpr(32)] int BK, [Constexpr(8)] int GROUP_M)
        => TensorCoreProduct(a, bT, c, M, N, K, strideAm, strideBn, strideCm, BM, BN, BK, GROUP_M, 1, 1);

    /// <summary>
    /// Xᵀ [cols, rows] of a row-major float X [rows, cols], one BLOCK × BLOCK tile per program. Where a tf32 product is
    /// given a row-major B,
    /// <see cref="Run(AcceleratorStream, ArrayView{float}, ArrayView{float}, ArrayView{float}, int, int, int, Blocks?, InputPrecision, bool, ArrayView{float})"/>
    /// transposes it first with this kernel and runs <see cref="Tf32TransposedB"/>.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void Transpose(Ptr<float> x, Ptr<float> xT, int rows, int cols, [Constexpr(64)] int BLOCK)
    {
        var r = ProgramId(0) * BLOCK + Arange(0, BLOCK);
        var c = ProgramId(1) * BLOCK + Arange(0, BLOCK);
        var tile = Load(x + (r[.., None] * cols + c[None, ..]), (r[.., None] < rows) & (c[None, ..] < cols));
        Store(xT + (c[.., None] * rows + r[None, ..]), Trans(tile), (c[.., None] < cols) & (r[None, ..] < rows));
    }

    /// <summary>The tensor-core kernels' body: C (of <typeparamref name="T"/>, rounded once) = A · B accumulated in float,
    /// float operands read as tf32 where <paramref name="TF32"/> = 1; B read as [K, N], or with
    /// <paramref name="TRANSPOSED_B"/> = 1 as Bᵀ [N, K].</summary>
    [TileFunction]
    private static void TensorCoreProduct<T>(Ptr<T> a, Ptr<T> b, Ptr<T> c, int M, int N, int K, int strideAm, int strideB, int strideCm,
        int BM, int BN, int BK, int GROUP_M, int TF32, int TRANSPOSED_B)
        where T : unmanaged
    {
        var rm = GroupedRow(M, N, BM, BN, GROUP_M) * BM + Arange(0, BM);
        var rn = GroupedColumn(M, N, BM, BN, GROUP_M) * BN + Arange(0, BN);
        var acc = Zeros<float>(BM, BN);
        for (int k = 0; k < K; k += BK)
        {
            var rk = k + Arange(0, BK);
            var aTile = Load(a + (rm[.., None] * strideAm + rk[None, ..]), (rm[.., None] < M) & (rk[None, ..] < K));
            var bTile = TRANSPOSED_B == 1
                ? Trans(Load(b + (rn[.., None] * strideB + rk[None, ..]), (rn[.., None] < N) & (rk[None, ..] < K)))
                : Load(b + (rk[.., None] * strideB + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc, TF32 == 1 ? InputPrecision.Tf32 : InputPrecision.Ieee);
        }
        Store(c + (rm[.., None] * strideCm + rn[None, ..]), acc.To<T>(), (rm[.., None] < M) & (rn[None, ..] < N));
    }

    /// <summary>The block row of this program: programs run through C in groups of GROUP_M block rows, column by column.</summary>
    [TileFunction]
    private static int GroupedRow(int M, int N, int BM, int BN, int GROUP_M)
    {
        int pid = ProgramId(0);
        int programsInGroup = GROUP_M * Cdiv(N, BN);
        int firstM = pid / programsInGroup * GROUP_M;
        return firstM + pid % programsInGroup % Minimum(Cdiv(M, BM) - firstM, GROUP_M);
    }

    /// <summary>The block column of this program (see <see cref="GroupedRow"/>).</summary>
    [TileFunction]
    private static int GroupedColumn(int M, int N, int BM, int BN, int GROUP_M)
    {
        int pid = ProgramId(0);
        int programsInGroup = GROUP_M * Cdiv(N, BN);
        int firstM = pid / programsInGroup * GROUP_M;
        return pid % programsInGroup / Minimum(Cdiv(M, BM) - firstM, GROUP_M);
    }

    /// <summary>The block sizes of a launch: 128 × 128 × 32 blocks for large products (the fastest fp32 blocks on an H200 with the pipeline, docs/performance.md), 32 × 32 × 32 for small ones.</summary>
    public readonly record struct Blocks(int BM, int BN, int BK)
    {
        public static Blocks For(int m, int n) => m >= 512 && n >= 512 ? new(128, 128, 32) : new(32, 32, 32);

        /// <summary>For bf16 and fp16: 128 × 128 × 64 for large products (the fastest mma.sync blocks on an H200,
        /// docs/performance.md), 128 × 256 × 64 where the launch runs Hopper kernels (<paramref name="hopper"/>: wgmma
        /// m64n256k16, the fastest there), 32 × 32 × 32 for small products.</summary>
        public static Blocks ForSixteenBit(int m, int n, bool hopper = false)
            => m < 512 || n < 512 ? new(32, 32, 32) : hopper ? new(128, 256, 64) : new(128, 128, 64);

        /// <summary>For tf32: 128 × 256 × 32 where the launch runs Hopper kernels (wgmma m64n256k8), 128 × 128 × 32
        /// elsewhere, 32 × 32 × 32 for small products.</summary>
        public static Blocks ForTf32(int m, int n, bool hopper = false)
            => m < 512 || n < 512 ? new(32, 32, 32) : hopper ? new(128, 256, 32) : new(128, 128, 32);
    }

    /// <summary>
    /// C = A · B for row-major A [M, K], B [K, N], C [M, N]: in fp32 on FMA units, or at
    /// <see cref="InputPrecision.Tf32"/> on tensor cores. With <paramref name="transposedB"/>, <paramref name="b"/>
    /// holds Bᵀ [N, K] row-major instead. tf32 mma reads B only k-major, so at tf32 a row-major B is transposed first
    /// (<see cref="Transpose"/>, into <paramref name="workspace"/>: K × N floats) and the product runs on
    /// <see cref="Tf32TransposedB"/>, whose copies move 16 bytes at a time (<see cref="Tf32"/>, which reads B as it
    /// is, copies one element at a time: 0.50× torch.matmul on an H200, docs/performance.md). Without a workspace the
    /// call allocates one and waits for the stream before freeing it.
    /// </summary>
    public static void Run(AcceleratorStream stream, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k, Blocks? blocks = null,
        InputPrecision inputPrecision = InputPrecision.Ieee, bool transposedB = false, ArrayView<float> workspace = default)
        => Run(new TileTarget(stream), a, b, c, m, n, k, blocks, inputPrecision, transposedB, workspace);

    /// <summary>The same on the host interpreter.</summary>
    public static void Run(float[] a, float[] b, float[] c, int m, int n, int k, Blocks? blocks = null, InputPrecision inputPrecision = InputPrecision.Ieee,
        bool transposedB = false)
        => Run(TileTarget.Interpreter, a, b, c, m, n, k, blocks, inputPrecision, transposedB, null);

    private static void Run(TileTarget target, TileBuffer<float> a, TileBuffer<float> b, TileBuffer<float> c, int m, int n, int k, Blocks? blocks,
        InputPrecision inputPrecision, bool transposedB, TileBuffer<float> workspace)
    {
        if (inputPrecision == InputPrecision.Tf32)
        {
            var (tf32Grid, tf32Blocks) = Check(a, b, c, m, n, k, blocks ?? Blocks.ForTf32(m, n, Hopper(target)), transposedB);
            // Without a workspace: one allocated here (after the checks), freed once the stream has run the product.
            using var owned = !transposedB && workspace.IsNull && target.Stream is { } stream ? stream.Accelerator.Allocate1D<float>((long)k * n) : null;
            if (!transposedB)
            {
                if (workspace.IsNull) workspace = owned is null ? new float[(long)k * n] : owned.View.AsContiguous();
                LaunchChecks.Holds(workspace, (long)k * n, nameof(workspace), $"Bᵀ [{n}, {k}]");
                TransposeKernel.Run(target, new TileGrid(Cdiv(k, 64), Cdiv(n, 64)), new TransposeKernel.Args(b, workspace, k, n, 64));
                b = workspace;
            }
            Tf32TransposedBKernel.Run(target, tf32Grid, new Tf32TransposedBKernel.Args(a, b, c, m, n, k, k, k, n, tf32Blocks.BM, tf32Blocks.BN, tf32Blocks.BK, 8));
            if (owned is not null) target.Stream!.Synchronize();
            return;
        }
        var (grid, bs) = Check(a, b, c, m, n, k, blocks, transposedB);
        // Strides of B along k and n: 1 and K for Bᵀ [N, K], N and 1 for B [K, N].
        var (strideBk, strideBn) = transposedB ? (1, k) : (n, 1);
        KernelKernel.Run(target, grid, new KernelKernel.Args(a, b, c, m, n, k, k, 1, strideBk, strideBn, n, 1, bs.BM, bs.BN, bs.BK, 8));
    }

    /// <summary>C = A · B of row-major bfloat16 matrices, on tensor cores (fp32 accumulation, C rounded once).</summary>
    public static void Run(AcceleratorStream stream, ArrayView<BFloat16> a, ArrayView<BFloat16> b, ArrayView<BFloat16> c, int m, int n, int k, Blocks? blocks = null)
        => Run(new TileTarget(stream), a, b, c, m, n, k, blocks);

    /// <summary>The same on the host interpreter.</summary>
    public static void Run(BFloat16[] a, BFloat16[] b, BFloat16[] c, int m, int n, int k, Blocks? blocks = null)
        => Run(TileTarget.Interpreter, a, b, c, m, n, k, blocks);

    /// <summary>C = A · B of row-major half-precision matrices, on tensor cores (fp32 accumulation, C rounded once).</summary>
    public static void Run(AcceleratorStream stream, ArrayView<Half> a, ArrayView<Half> b, ArrayView<Half> c, int m, int n, int k, Blocks? blocks = null)
        => Run(new TileTarget(stream), a, b, c, m, n, k, blocks);

    /// <summary>The same on the host interpreter.</summary>
    public static void Run(Half[] a, Half[] b, Half[] c, int m, int n, int k, Blocks? blocks = null)
        => Run(TileTarget.Interpreter, a, b, c, m, n, k, blocks);

    private static void Run(TileTarget target, TileBuffer<BFloat16> a, TileBuffer<BFloat16> b, TileBuffer<BFloat16> c, int m, int n, int k, Blocks? blocks)
    {
        var (grid, bs) = Check(a, b, c, m, n, k, blocks ?? Blocks.ForSixteenBit(m, n, Hopper(target)));
        Bf16Kernel.Run(target, grid, new Bf16Kernel.Args(a, b, c, m, n, k, k, n, n, bs.BM, bs.BN, bs.BK, 8));
    }

    private static void Run(TileTarget target, TileBuffer<Half> a, TileBuffer<Half> b, TileBuffer<Half> c, int m, int n, int k, Blocks? blocks)
    {
        var (grid, bs) = Check(a, b, c, m, n, k, blocks ?? Blocks.ForSixteenBit(m, n, Hopper(target)));
        Fp16Kernel.Run(target, grid, new Fp16Kernel.Args(a, b, c, m, n, k, k, n, n, bs.BM, bs.BN, bs.BK, 8));
    }

    /// <summary>Whether launches on <paramref name="target"/> run Hopper kernels (wgmma).</summary>
    private static bool Hopper(TileTarget target) => target.Stream is { } stream && TileMma.UsesWgmma(stream.Accelerator);

    /// <summary>The checks of a launch (B named as given: Bᵀ [N, K] with <paramref name="transposedB"/>); its grid and blocks.</summary>
    private static (TileGrid, Blocks) Check<T>(TileBuffer<T> a, TileBuffer<T> b, TileBuffer<T> c, int m, int n, int k, Blocks? blocks, bool transposedB = false)
        where T : unmanaged
    {
        LaunchChecks.AtLeast(m, 1, nameof(m));
        LaunchChecks.AtLeast(n, 1, nameof(n));
        LaunchChecks.AtLeast(k, 1, nameof(k));
        LaunchChecks.Holds(a, (long)m * k, nameof(a), $"A [{m}, {k}]");
        LaunchChecks.Holds(b, (long)k * n, nameof(b), transposedB ? $"Bᵀ [{n}, {k}]" : $"B [{k}, {n}]");
        LaunchChecks.Holds(c, (long)m * n, nameof(c), $"C [{m}, {n}]");
        var bs = blocks ?? Blocks.For(m, n);
        return (Cdiv(m, bs.BM) * Cdiv(n, bs.BN), bs);
    }
}
