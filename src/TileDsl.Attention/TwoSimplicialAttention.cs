using System;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Attention;

/// <summary>
/// 2-simplicial attention (Roy et al., "Fast and Simplex", 2025), written in the DSL. For each batch, query head h and
/// query i: logits A_ijk = s·Σ_d Q_id·K1_jd·K2_kd over j ∈ (i−w1, i] and k ∈ (i−w2, i] (clipped at 0), a softmax
/// jointly over all those (j, k), and O_i = Σ_jk S_ijk·(V1_j ⊙ V2_k). Q and O are [B, N, Hq, D]; K1, V1, K2, V2 are
/// [B, N, Hkv, D] with Hq a multiple of Hkv (query head h reads kv head h / (Hq / Hkv)); LSE is [B, Hq, N].
/// </summary>
/// <remarks>
/// The form is symmetric in the two key roles: swapping (K1, V1, w1) with (K2, V2, w2) leaves O unchanged (for the
/// determinant variant, with s negated, since det[q; k2; k1] = −det[q; k1; k2]). The host uses this to hand each
/// scheme its windows in the order it wants, and to compute dK2/dV2 with the kernel that computes dK1/dV1.
/// </remarks>
public static partial class TwoSimplicialAttention
{
    /// <summary>The form of the logits.</summary>
    public enum Variant
    {
        /// <summary>A_ijk = s·Σ_d Q_id·K1_jd·K2_kd.</summary>
        Trilinear = 0,

        /// <summary>A_ijk = s·Σ over consecutive feature triples t of det[Q_i,t; K1_j,t; K2_k,t] (rotation invariant per triple).</summary>
        Determinant = 1,
    }

    /// <summary>How the work is tiled (docs/two-simplicial.md compares them).</summary>
    public enum Scheme
    {
        /// <summary>One query head per program; Dots between a block of the larger window's rows and the smaller window.</summary>
        RowWise,

        /// <summary>The query heads of a GQA group are the M dimension of every Dot; the larger window is the Dots' N.</summary>
        HeadPacked,
    }

    /// <summary>
    /// A tiling: the scheme and its two block sizes. <see cref="Choose"/> picks one by shape; pass one explicitly to
    /// compare them.
    /// </summary>
    /// <param name="Rows">RowWise: rows of the larger window per block (16 or 32). HeadPacked: query heads per program (4, 16 or 64).</param>
    /// <param name="Keys">RowWise: rows of the smaller window per block (16 or 32). HeadPacked: rows of the larger window per block (32 or 64).</param>
    public readonly record struct Tiling(Scheme Scheme, int Rows, int Keys)
    {
        public static Tiling RowWise(int rows, int keys) => new(Scheme.RowWise, rows, keys);

        public static Tiling HeadPacked(int heads, int keys) => new(Scheme.HeadPacked, heads, keys);
    }

    /// <summary>Element strides of a [B, N, H, D] tensor whose last dimension is contiguous.</summary>
    public readonly record struct Strides(int Batch, int Position, int Head);

    /// <summary>
    /// The sizes of a launch. Q, O, dO and dQ share <see cref="QStrides"/>; K1, V1, K2, V2 and their gradients share
    /// <see cref="KvStrides"/>; both default to contiguous row-major layouts.
    /// </summary>
    public readonly record struct Shape(int Batch, int N, int Heads, int KvHeads, int D)
    {
        public Strides? QStrides { get; init; }

        public Strides? KvStrides { get; init; }

        internal Strides Q => QStrides ?? new(N * Heads * D, Heads * D, D);

        internal Strides Kv => KvStrides ?? new(N * KvHeads * D, KvHeads * D, D);

        internal int GroupSize => Heads / KvHeads;

        /// <summary>Elements a view must hold: the offset of its last element, plus one.</summary>
        internal long Extent(Strides s, int heads) => (long)(Batch - 1) * s.Batch + (long)(N - 1) * s.Position + (long)(heads - 1) * s.Head + D;
    }

    /// <summary>
    /// The tiling used when none is given, from sweeps of every candidate on an H100 (docs/performance.md). The
    /// forward runs row-wise with blocks of 32 rows of both windows (16 where a window is shorter). The backward runs
    /// row-wise with 16-row blocks, except head-packed (64 heads by 64 keys for groups of 64 or more, else 16 by 32),
    /// whose programs cover one row each, where a GQA group has at least 16 query heads and the row-wise key kernels
    /// would have fewer than <see cref="FewKeyPrograms"/> programs (one per 16 rows, batch and kv head), and for the
    /// determinant variant with groups of 64 or more. Pass <paramref name="scheme"/> to get that scheme's blocks instead.
    /// </summary>
    public static Tiling Choose(Shape shape, int w1, int w2, bool backward, Scheme? scheme = null, Variant variant = Variant.Trilinear)
    {
        int group = shape.Heads / Math.Max(shape.KvHeads, 1);
        int smaller = Math.Min(w1, w2), larger = Math.Max(w1, w2);
        bool fewKeyPrograms = (long)shape.Batch * shape.KvHeads * Cdiv(shape.N, 16) < FewKeyPrograms;
        bool packed = backward && (group >= 16 && fewKeyPrograms || group >= 64 && variant == Variant.Determinant);
        if ((scheme ?? (packed ? Scheme.HeadPacked : Scheme.RowWise)) == Scheme.HeadPacked)
            return Tiling.HeadPacked(group >= 64 ? 64 : group >= 16 ? 16 : 4, group >= 64 && larger > 32 ? 64 : 32);
        return backward ? Tiling.RowWise(16, 16) : Tiling.RowWise(larger <= 16 ? 16 : 32, smaller <= 16 ? 16 : 32);
    }

    /// <summary>
    /// Row-wise key-kernel programs below which the backward goes head-packed for GQA groups of 16 or more: at 256
    /// (B=4, N=1024, one kv head) head-packed won (4.07 vs 2.85 TFLOP/s with 64 heads a group, 3.01 vs 2.86 with
    /// 16), at 1024 row-wise won (5.06 vs 4.04); 512 lies between, about four programs per multiprocessor. The
    /// determinant variant's head-packed backward won with 64 heads a group at 1024 too (3.56 vs 2.64).
    /// </summary>
    public const int FewKeyPrograms = 512;

    /// <summary>O and LSE on the accelerator of <paramref name="stream"/>; <paramref name="scale"/> defaults to 1/√D.</summary>
    public static void Forward(AcceleratorStream stream, Shape shape, ArrayView<float> q, ArrayView<float> k1, ArrayView<float> v1,
        ArrayView<float> k2, ArrayView<float> v2, ArrayView<float> o, ArrayView<float> lse, int w1, int w2, float? scale = null,
        Variant variant = Variant.Trilinear, Tiling? tiling = null)
        => Forward(new TileTarget(stream), shape, q, k1, v1, k2, v2, o, lse, w1, w2, scale, variant, tiling);

    /// <summary>The same in the host interpreter (the kernels' C# bodies), on arrays.</summary>
    public static void Forward(Shape shape, float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] o, float[] lse,
        int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear, Tiling? tiling = null)
        => Forward(TileTarget.Interpreter, shape, q, k1, v1, k2, v2, o, lse, w1, w2, scale, variant, tiling);

    /// <summary>
    /// dQ, dK1, dV1, dK2, dV2 from dO and the forward's O and LSE, by launches that each own what they write (no
    /// atomics: two runs give identical bits). Row-wise: the key kernel for the larger window's role, then for the
    /// smaller one's, which also sums dQ (in a few launches, so that no two programs of one launch write one dQ row).
    /// Head-packed: dQ per query, then the key kernel for each role.
    /// </summary>
    public static void Backward(AcceleratorStream stream, Shape shape, ArrayView<float> q, ArrayView<float> k1, ArrayView<float> v1,
        ArrayView<float> k2, ArrayView<float> v2, ArrayView<float> o, ArrayView<float> dO, ArrayView<float> lse,
        ArrayView<float> dQ, ArrayView<float> dK1, ArrayView<float> dV1, ArrayView<float> dK2, ArrayView<float> dV2,
        int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear, Tiling? tiling = null)
        => Backward(new TileTarget(stream), shape, q, k1, v1, k2, v2, o, dO, lse, dQ, dK1, dV1, dK2, dV2, w1, w2, scale, variant, tiling);

    /// <summary>The same in the host interpreter, on arrays.</summary>
    public static void Backward(Shape shape, float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] o, float[] dO, float[] lse,
        float[] dQ, float[] dK1, float[] dV1, float[] dK2, float[] dV2, int w1, int w2, float? scale = null,
        Variant variant = Variant.Trilinear, Tiling? tiling = null)
        => Backward(TileTarget.Interpreter, shape, q, k1, v1, k2, v2, o, dO, lse, dQ, dK1, dV1, dK2, dV2, w1, w2, scale, variant, tiling);

    /// <summary>
    /// What a launch needs once the arguments are checked. <see cref="Swap"/>: the kernels' K1 side is the caller's
    /// K2 (RowWise wants the smaller window on the K2 side, HeadPacked on the K1 side).
    /// </summary>
    private readonly record struct Plan(Shape Shape, Tiling Tiling, bool Swap, float Scale, int Det, int W1, int W2)
    {
        public bool Packed => Tiling.Scheme == Scheme.HeadPacked;

        /// <summary>The kernels' windows (K1 side, K2 side).</summary>
        public (int A, int B) Windows => Swap ? (W2, W1) : (W1, W2);

        /// <summary>The scale the kernels see: for the determinant variant a swap of the key roles flips the sign.</summary>
        public float KernelScale(bool swapped) => swapped && Det == 1 ? -Scale : Scale;

        /// <summary>HeadPacked: rows per block of a window (the smaller blocks fit a short window better).</summary>
        public int PackedBlock(int window) => window <= 32 ? 32 : Tiling.Keys;

        public TileGrid Queries => Packed
            ? new(Shape.N, Shape.Batch * Shape.KvHeads * Cdiv(Shape.GroupSize, Tiling.Rows))
            : new(Shape.N, Shape.Batch * Shape.Heads);

        public TileGrid KeyRows(int block) => new(Cdiv(Shape.N, block), Shape.Batch * Shape.KvHeads);
    }

    private static void Forward(TileTarget target, Shape shape, TileBuffer<float> q, TileBuffer<float> k1, TileBuffer<float> v1,
        TileBuffer<float> k2, TileBuffer<float> v2, TileBuffer<float> o, TileBuffer<float> lse, int w1, int w2, float? scale, Variant variant, Tiling? tiling)
    {
        var plan = Check(shape, w1, w2, scale, variant, tiling, false, q, k1, v1, k2, v2, o, lse);
        var (wa, wb) = plan.Windows;
        var (ka, va, kb, vb) = plan.Swap ? (k2, v2, k1, v1) : (k1, v1, k2, v2);
        var (s, qs, kv) = (plan.Shape, plan.Shape.Q, plan.Shape.Kv);
        float kernelScale = plan.KernelScale(plan.Swap);
        if (plan.Packed)
            PackedForwardKernel.Run(target, plan.Queries, new PackedForwardKernel.Args(q, ka, va, kb, vb, o, lse, s.N, s.Heads, s.GroupSize,
                qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, kernelScale, wa, wb, s.D, plan.Tiling.Rows, plan.PackedBlock(wb), plan.Det));
        else
            RowForwardKernel.Run(target, plan.Queries, new RowForwardKernel.Args(q, ka, va, kb, vb, o, lse, s.N, s.Heads, s.GroupSize,
                qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, kernelScale, wa, wb, s.D, plan.Tiling.Rows, plan.Tiling.Keys, plan.Det));
    }

    private static void Backward(TileTarget target, Shape shape, TileBuffer<float> q, TileBuffer<float> k1, TileBuffer<float> v1,
        TileBuffer<float> k2, TileBuffer<float> v2, TileBuffer<float> o, TileBuffer<float> dO, TileBuffer<float> lse, TileBuffer<float> dQ,
        TileBuffer<float> dK1, TileBuffer<float> dV1, TileBuffer<float> dK2, TileBuffer<float> dV2, int w1, int w2, float? scale, Variant variant, Tiling? tiling)
    {
        var plan = Check(shape, w1, w2, scale, variant, tiling, true, q, k1, v1, k2, v2, o, lse);
        Holds(shape, false, (dO, nameof(dO)), (dQ, nameof(dQ)));
        Holds(shape, true, (dK1, nameof(dK1)), (dV1, nameof(dV1)), (dK2, nameof(dK2)), (dV2, nameof(dV2)));
        var (wa, wb) = plan.Windows;
        var (ka, va, kb, vb, dKa, dVa, dKb, dVb) = plan.Swap ? (k2, v2, k1, v1, dK2, dV2, dK1, dV1) : (k1, v1, k2, v2, dK1, dV1, dK2, dV2);
        var (s, qs, kv) = (plan.Shape, plan.Shape.Q, plan.Shape.Kv);
        if (plan.Packed)
        {
            int heads = plan.Tiling.Rows;
            PackedBackwardQueryKernel.Run(target, plan.Queries, new PackedBackwardQueryKernel.Args(q, ka, va, kb, vb, o, dO, lse, dQ, s.N, s.Heads,
                s.GroupSize, qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, plan.KernelScale(plan.Swap), wa, wb, s.D, heads, plan.PackedBlock(wb), plan.Det));
            // The key kernel serves both roles: a is the role whose gradients it writes, b the other.
            void Keys(TileBuffer<float> a, TileBuffer<float> aValues, TileBuffer<float> b, TileBuffer<float> bValues, TileBuffer<float> dK, TileBuffer<float> dV,
                bool swapped, int aWindow, int bWindow)
                => PackedBackwardKeyKernel.Run(target, plan.KeyRows(1), new PackedBackwardKeyKernel.Args(q, a, aValues, b, bValues, o, dO, lse, dK, dV, s.N,
                    s.Heads, s.GroupSize, qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, plan.KernelScale(swapped), aWindow, bWindow, s.D,
                    heads, plan.PackedBlock(bWindow), plan.Det));
            Keys(ka, va, kb, vb, dKa, dVa, plan.Swap, wa, wb);
            Keys(kb, vb, ka, va, dKb, dVb, !plan.Swap, wb, wa);
        }
        else
        {
            var (rows, keys) = (plan.Tiling.Rows, plan.Tiling.Keys);
            RowBackwardKeyKernel.Run(target, plan.KeyRows(rows), new RowBackwardKeyKernel.Args(q, ka, va, kb, vb, o, dO, lse, dKa, dVa, dQ, s.N, s.Heads,
                s.GroupSize, qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, plan.KernelScale(plan.Swap), wa, wb, 0, 1, s.D, rows, keys, plan.Det, 0));
            // The smaller window's role also sums dQ. Block b visits queries [b·keys, b·keys + keys + wb − 2], so blocks
            // `phases` apart never share one: each launch takes every phases-th block.
            int blocks = Cdiv(s.N, keys), phases = Math.Min(blocks, 1 + Cdiv(wb - 1, keys));
            for (int phase = 0; phase < phases; phase++)
                RowBackwardKeyKernel.Run(target, plan.KeyRows(keys) with { X = Cdiv(blocks - phase, phases) }, new RowBackwardKeyKernel.Args(q, kb, vb, ka, va, o, dO,
                    lse, dKb, dVb, dQ, s.N, s.Heads, s.GroupSize, qs.Batch, qs.Position, qs.Head, kv.Batch, kv.Position, kv.Head, plan.KernelScale(!plan.Swap),
                    wb, wa, phase, phases, s.D, keys, rows, plan.Det, 1));
        }
    }

    /// <summary>Each tensor (a [B, N, Hkv, D] one when <paramref name="kv"/>, else [B, N, Hq, D]) must be there and span the shape.</summary>
    private static void Holds(Shape shape, bool kv, params (TileBuffer<float> Buffer, string Name)[] tensors)
    {
        var (extent, text) = kv ? (shape.Extent(shape.Kv, shape.KvHeads), KvText(shape)) : (shape.Extent(shape.Q, shape.Heads), QText(shape));
        foreach (var (buffer, name) in tensors) LaunchChecks.Holds(buffer, extent, name, text);
    }

    private static string QText(Shape s) => $"[{s.Batch}, {s.N}, {s.Heads}, {s.D}] with strides {s.Q}";

    private static string KvText(Shape s) => $"[{s.Batch}, {s.N}, {s.KvHeads}, {s.D}] with strides {s.Kv}";

    private static Plan Check(Shape shape, int w1, int w2, float? scale, Variant variant, Tiling? tiling, bool backward,
        TileBuffer<float> q, TileBuffer<float> k1, TileBuffer<float> v1, TileBuffer<float> k2, TileBuffer<float> v2, TileBuffer<float> o, TileBuffer<float> lse)
    {
        LaunchChecks.AtLeast(shape.Batch, 1, "shape.Batch");
        LaunchChecks.AtLeast(shape.N, 1, "shape.N");
        LaunchChecks.AtLeast(shape.Heads, 1, "shape.Heads");
        LaunchChecks.AtLeast(shape.KvHeads, 1, "shape.KvHeads");
        if (shape.Heads % shape.KvHeads != 0)
            throw new ArgumentException($"shape.Heads ({shape.Heads}) must be a multiple of shape.KvHeads ({shape.KvHeads}).", nameof(shape));
        LaunchChecks.Constexpr("shape.D", shape.D, 16, 32, 64, 128);
        foreach (var (heads, name) in new[] { (shape.Heads, "Q"), (shape.KvHeads, "K") })
        {
            long elements = (long)shape.Batch * shape.N * heads * shape.D;
            if (elements > int.MaxValue)
                throw new ArgumentException($"A {name} tensor of shape [{shape.Batch}, {shape.N}, {heads}, {shape.D}] holds {elements} elements; tile offsets are 32-bit, so at most {int.MaxValue}.", nameof(shape));
        }
        CheckStrides(shape, shape.Q, shape.Heads, "shape.QStrides");
        CheckStrides(shape, shape.Kv, shape.KvHeads, "shape.KvStrides");
        LaunchChecks.AtLeast(w1, 1, nameof(w1));
        LaunchChecks.AtLeast(w2, 1, nameof(w2));
        if (scale is float given && !float.IsFinite(given))
            throw new ArgumentOutOfRangeException(nameof(scale), given, "The scale must be finite.");
        if (!Enum.IsDefined(variant)) throw new ArgumentOutOfRangeException(nameof(variant), variant, "Trilinear or Determinant.");
        // A window past N means N. Clamped, every position the kernels compute (at most about 2N + 64) stays far
        // inside 32 bits: CheckStrides bounds N·stride, and so N, by int.MaxValue / D.
        (w1, w2) = (Math.Min(w1, shape.N), Math.Min(w2, shape.N));
        var t = tiling ?? Choose(shape, w1, w2, backward, variant: variant);
        if (t.Scheme == Scheme.RowWise)
        {
            LaunchChecks.Constexpr("tiling.Rows", t.Rows, 16, 32);
            LaunchChecks.Constexpr("tiling.Keys", t.Keys, 16, 32);
        }
        else if (t.Scheme == Scheme.HeadPacked)
        {
            LaunchChecks.Constexpr("tiling.Rows", t.Rows, 4, 16, 64);
            LaunchChecks.Constexpr("tiling.Keys", t.Keys, 32, 64);
        }
        else throw new ArgumentOutOfRangeException(nameof(tiling), t.Scheme, "RowWise or HeadPacked.");
        Holds(shape, false, (q, nameof(q)), (o, nameof(o)));
        Holds(shape, true, (k1, nameof(k1)), (v1, nameof(v1)), (k2, nameof(k2)), (v2, nameof(v2)));
        LaunchChecks.Holds(lse, (long)shape.Batch * shape.Heads * shape.N, nameof(lse), $"[{shape.Batch}, {shape.Heads}, {shape.N}]");
        bool swap = t.Scheme == Scheme.RowWise ? w2 > w1 : w1 > w2;
        return new Plan(shape, t, swap, scale ?? 1f / MathF.Sqrt(shape.D), (int)variant, w1, w2);
    }

    /// <summary>
    /// Strides must be positive, keep every element apart (sorted by stride, each dimension steps past the extent of
    /// the ones inside it: outputs written through them must not overlap) and keep offsets within 32 bits.
    /// </summary>
    private static void CheckStrides(Shape shape, Strides s, int heads, string name)
    {
        var dims = new[] { (Size: shape.Batch, Stride: (long)s.Batch), (Size: shape.N, Stride: (long)s.Position), (Size: heads, Stride: (long)s.Head) };
        Array.Sort(dims, (a, b) => a.Stride.CompareTo(b.Stride));
        long inner = shape.D;
        foreach (var (size, stride) in dims)
        {
            if (size == 1) continue;
            if (stride < inner)
                throw new ArgumentException($"{name} {s} make elements of [{shape.Batch}, {shape.N}, {heads}, {shape.D}] overlap: a stride of {stride} must be at least {inner}.", name);
            inner = stride * size;
        }
        if (shape.Extent(s, heads) > int.MaxValue)
            throw new ArgumentException($"{name} {s} reach offset {shape.Extent(s, heads) - 1}; tile offsets are 32-bit.", name);
    }
}
