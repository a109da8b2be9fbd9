using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using System.CommandLine;
using TileDsl;
using TileDsl.Attention;

namespace TwoSimplicial;

/// <summary>A failure the tool diagnosed: its message is the whole line, naming the option or file and what to do.</summary>
internal sealed class CliError(string message) : Exception(message);

/// <summary>The command-line tool's plumbing: checks with clear messages, the time estimate and the device.</summary>
internal static class Cli
{
    /// <summary>The head dimensions the kernels are compiled for.</summary>
    public static readonly int[] HeadDims = { 16, 32, 64, 128 };

    public static readonly string HeadDimsText = $"the tool runs head dimensions D = {string.Join(", ", HeadDims[..^1])} and {HeadDims[^1]}";

    /// <summary>
    /// The CPU accelerator's speed on these kernels, in FLOP/s: a rough order-of-magnitude estimate, not a
    /// measurement (the tool measures nothing before it runs). Only used to warn before a run that would take long.
    /// </summary>
    public const double CpuFlopsPerSecond = 30e6;

    /// <summary>Runs a command: every failure is one line on stderr and exit code 2; nothing is written.</summary>
    public static int Guard(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is CliError or InvalidDataException)
        {
            return Fail(e.Message);
        }
        catch (Exception e)
        {
            return Fail($"unexpected {e.GetType().FullName}: {e.Message} (a bug in the tool; please report it with the command line).");
        }
    }

    /// <summary>Prints "error: " and the message on one line of stderr; returns the exit code 2.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return 2;
    }

    /// <summary>Adds a check to an option: a value that fails it is a parse error naming the option.</summary>
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> ok, string requirement)
    {
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // a value that does not parse: the parser reports that
            }
            if (!ok(value)) result.AddError($"{option.Name}: {requirement}; got {value}.");
        });
        return option;
    }

    /// <summary>Forward FLOPs (4·D per pair (j, k) in the windows, per query, head and batch), times 3.5 with the backward.</summary>
    public static double Flops(TwoSimplicialAttention.Shape shape, int w1, int w2, bool backward)
    {
        double pairs = 0;
        for (int i = 0; i < shape.N; i++) pairs += (double)Math.Min(i + 1, w1) * Math.Min(i + 1, w2);
        return 4.0 * shape.D * pairs * shape.Batch * shape.Heads * (backward ? 3.5 : 1);
    }

    /// <summary>A note to print before a run the CPU accelerator would spend over a minute on, else null.</summary>
    public static string? SlowNote(string device, double flops)
    {
        double seconds = flops / CpuFlopsPerSecond;
        if (device != "cpu" || seconds < 60) return null;
        string time = seconds < 3600 ? $"{seconds / 60:F0} minutes" : seconds < 48 * 3600 ? $"{seconds / 3600:F1} hours" : $"{seconds / 86400:F0} days";
        return $"note: {flops:G3} FLOPs take the CPU accelerator about {time} (at a rough {CpuFlopsPerSecond / 1e6:F0} MFLOP/s); --device cuda runs them on an NVIDIA GPU.";
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

    /// <summary>The launch shape from Q [B, N, Hq, D], K1, V1, K2, V2 [B, N, Hkv, D] and dO [B, N, Hq, D], checked before any upload.</summary>
    public static TwoSimplicialAttention.Shape ShapeOf((float[] Data, int[] Shape)[] inputs, (float[] Data, int[] Shape)? dO)
    {
        string[] names = { "--q", "--k1", "--v1", "--k2", "--v2" };
        static string Dims(int[] shape) => $"({string.Join(", ", shape)})";
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Shape.Length != 4)
                throw new CliError($"{names[i]}: expected a 4-D array [B, N, H, D]; got shape {Dims(inputs[i].Shape)}.");
            if (inputs[i].Shape.Contains(0))
                throw new CliError($"{names[i]}: shape {Dims(inputs[i].Shape)} has a dimension of 0; B, N, H and D must be at least 1.");
        }
        var qs = inputs[0].Shape;
        var kv = inputs[1].Shape;
        for (int i = 2; i < inputs.Length; i++)
            if (!inputs[i].Shape.SequenceEqual(kv))
                throw new CliError($"{names[i]}: shape {Dims(inputs[i].Shape)} differs from --k1's {Dims(kv)}.");
        if (kv[0] != qs[0] || kv[1] != qs[1] || kv[3] != qs[3])
            throw new CliError($"--k1: shape {Dims(kv)} must match --q's {Dims(qs)} in B, N and D.");
        if (qs[2] % kv[2] != 0)
            throw new CliError($"--k1: its {kv[2]} heads must divide --q's {qs[2]} (each kv head serves a group of query heads).");
        if (!HeadDims.Contains(qs[3]))
            throw new CliError($"--q: {HeadDimsText}; got D = {qs[3]}.");
        if (dO is { } g && !g.Shape.SequenceEqual(qs))
            throw new CliError($"--do: shape {Dims(g.Shape)} must equal --q's {Dims(qs)}.");
        return new TwoSimplicialAttention.Shape(qs[0], qs[1], qs[2], kv[2], qs[3]);
    }

    /// <summary>An ILGPU accelerator that runs the attention on host arrays.</summary>
    public sealed class Device : IDisposable
    {
        private readonly Context context;
        private readonly Accelerator accelerator;

        public Device(string kind)
        {
            context = TileAccelerators.CreateContext();
            if (kind == "cuda" && context.GetCudaDevices().Count == 0)
            {
                context.Dispose();
                throw new CliError("--device cuda: no CUDA device was found; leave out --device to run on the CPU accelerator.");
            }
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
