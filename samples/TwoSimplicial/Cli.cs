using ILGPU;
using ILGPU.Runtime;
using TileDsl;
using TileDsl.Attention;

namespace TwoSimplicial;

/// <summary>The command-line tool's plumbing: checks with clear messages, the device, and all-or-nothing output.</summary>
internal static class Cli
{
    /// <summary>Runs a command; a bad input is one line on stderr and exit code 2, nothing written.</summary>
    public static int Guard(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or NotSupportedException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    public static TwoSimplicialAttention.Variant VariantOf(string name)
        => name == "determinant" ? TwoSimplicialAttention.Variant.Determinant : TwoSimplicialAttention.Variant.Trilinear;

    /// <summary>--scheme: null for auto (the library chooses by shape).</summary>
    public static TwoSimplicialAttention.Scheme? SchemeOf(string name) => name switch
    {
        "rowwise" => TwoSimplicialAttention.Scheme.RowWise,
        "headpacked" => TwoSimplicialAttention.Scheme.HeadPacked,
        _ => null,
    };

    /// <summary>The launch shape from Q [B, N, Hq, D], K1, V1, K2, V2 [B, N, Hkv, D] and dO [B, N, Hq, D].</summary>
    public static TwoSimplicialAttention.Shape ShapeOf((float[] Data, int[] Shape)[] inputs, (float[] Data, int[] Shape)? dO)
    {
        string[] names = { "--q", "--k1", "--v1", "--k2", "--v2" };
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i].Shape.Length != 4)
                throw new ArgumentException($"{names[i]}: expected a 4-D array [B, N, H, D]; got shape ({string.Join(", ", inputs[i].Shape)}).");
        var qs = inputs[0].Shape;
        var kv = inputs[1].Shape;
        for (int i = 2; i < inputs.Length; i++)
            if (!inputs[i].Shape.SequenceEqual(kv))
                throw new ArgumentException($"{names[i]}: shape ({string.Join(", ", inputs[i].Shape)}) differs from --k1's ({string.Join(", ", kv)}).");
        if (kv[0] != qs[0] || kv[1] != qs[1] || kv[3] != qs[3])
            throw new ArgumentException($"--k1: shape ({string.Join(", ", kv)}) must match --q's ({string.Join(", ", qs)}) in B, N and D.");
        if (dO is { } g && !g.Shape.SequenceEqual(qs))
            throw new ArgumentException($"--do: shape ({string.Join(", ", g.Shape)}) must equal --q's ({string.Join(", ", qs)}).");
        return new TwoSimplicialAttention.Shape(qs[0], qs[1], qs[2], kv[2], qs[3]);
    }

    /// <summary>Writes every file to a temporary name first and renames them only when all are written.</summary>
    public static void WriteAll(DirectoryInfo dir, IReadOnlyList<(string Name, float[] Data, int[] Shape)> files)
    {
        dir.Create();
        var temporary = files.Select(f => Path.Combine(dir.FullName, f.Name + ".partial")).ToList();
        try
        {
            for (int i = 0; i < files.Count; i++) Npy.Write(temporary[i], files[i].Data, files[i].Shape);
            for (int i = 0; i < files.Count; i++) File.Move(temporary[i], Path.Combine(dir.FullName, files[i].Name), overwrite: true);
        }
        finally
        {
            foreach (var t in temporary) File.Delete(t);
        }
    }

    /// <summary>An ILGPU accelerator that runs the attention on host arrays.</summary>
    public sealed class Device : IDisposable
    {
        private readonly Context context;
        private readonly Accelerator accelerator;

        public Device(string kind)
        {
            context = TileAccelerators.CreateContext();
            accelerator = TileAccelerators.Create(context, kind == "cuda" ? TileDevice.Cuda : TileDevice.Cpu);
        }

        public string Name => accelerator.Name;

        public (float[] O, float[][]? Gradients) Attention(TwoSimplicialAttention.Shape shape, float[][] inputs, float[]? dO, int w1, int w2, float? scale,
            TwoSimplicialAttention.Variant variant, TwoSimplicialAttention.Scheme? scheme)
        {
            var stream = accelerator.DefaultStream;
            var buffers = new List<MemoryBuffer1D<float, Stride1D.Dense>>();
            MemoryBuffer1D<float, Stride1D.Dense> Keep(MemoryBuffer1D<float, Stride1D.Dense> b) { buffers.Add(b); return b; }
            try
            {
                var v = inputs.Select(x => Keep(accelerator.Allocate1D(x)).View).ToArray();
                var o = Keep(accelerator.Allocate1D<float>(inputs[0].Length));
                var lse = Keep(accelerator.Allocate1D<float>((long)shape.Batch * shape.Heads * shape.N));
                TwoSimplicialAttention.Forward(stream, shape, v[0], v[1], v[2], v[3], v[4], o.View, lse.View, w1, w2, scale, variant, TwoSimplicialAttention.Choose(shape, w1, w2, backward: false, scheme, variant));
                float[][]? gradients = null;
                if (dO is not null)
                {
                    var g = inputs.Select(x => Keep(accelerator.Allocate1D<float>(x.Length))).ToArray();
                    TwoSimplicialAttention.Backward(stream, shape, v[0], v[1], v[2], v[3], v[4], o.View, Keep(accelerator.Allocate1D(dO)).View, lse.View,
                        g[0].View, g[1].View, g[2].View, g[3].View, g[4].View, w1, w2, scale, variant,
                        TwoSimplicialAttention.Choose(shape, w1, w2, backward: true, scheme, variant));
                    accelerator.Synchronize();
                    gradients = g.Select(x => x.GetAsArray1D()).ToArray();
                }
                accelerator.Synchronize();
                return (o.GetAsArray1D(), gradients);
            }
            finally
            {
                foreach (var buffer in buffers) buffer.Dispose();
            }
        }

        public void Dispose()
        {
            accelerator.Dispose();
            context.Dispose();
        }
    }
}
