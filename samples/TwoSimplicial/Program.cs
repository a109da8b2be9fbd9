using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using TileDsl;
using TileDsl.Attention;
using TileDsl.Attention.Reference;
using TwoSimplicial;

// 2-simplicial attention from the command line: `forward` on .npy files, `random` on random inputs.
// The CPU accelerator is the default device; `--device cuda` runs on an NVIDIA GPU.
var device = new Option<string>("--device") { Description = "cpu (ILGPU's CPU accelerator) or cuda", DefaultValueFactory = _ => "cpu" };
device.AcceptOnlyFromAmong("cpu", "cuda");
var variant = new Option<string>("--variant") { Description = "the logits: trilinear (Σ q·k1·k2) or determinant", DefaultValueFactory = _ => "trilinear" };
variant.AcceptOnlyFromAmong("trilinear", "determinant");
var scheme = new Option<string>("--scheme") { Description = "tiling: auto (by shape), rowwise or headpacked", DefaultValueFactory = _ => "auto" };
scheme.AcceptOnlyFromAmong("auto", "rowwise", "headpacked");
Option<int> Positive(Option<int> option) => option.Must(v => v >= 1, "must be at least 1");
var w1 = Positive(new Option<int>("--w1") { Description = "K1/V1 window: keys j in (i - w1, i] (longer than N means N)", Required = true });
var w2 = Positive(new Option<int>("--w2") { Description = "K2/V2 window: keys k in (i - w2, i] (longer than N means N)", Required = true });
var scale = new Option<float?>("--scale") { Description = "logit scale (default 1/sqrt(D))" }.Must(s => s is not { } v || float.IsFinite(v), "must be a finite number");
void NoteIfSlow(string kind, double flops) // before the work: the CPU accelerator may take hours and print nothing meanwhile
{
    if (Cli.SlowNote(kind, flops) is { } note) Console.Error.WriteLine(note);
}
Option<FileInfo> FileOption(string name, string what, bool required = true) => new(name) { Description = what, Required = required };
var q = FileOption("--q", "Q [B, N, Hq, D] float32 .npy");
var k1 = FileOption("--k1", "K1 [B, N, Hkv, D]");
var v1 = FileOption("--v1", "V1 [B, N, Hkv, D]");
var k2 = FileOption("--k2", "K2 [B, N, Hkv, D]");
var v2 = FileOption("--v2", "V2 [B, N, Hkv, D]");
var dO = FileOption("--do", "dO [B, N, Hq, D]: also compute the gradients", required: false);
var output = new Option<DirectoryInfo>("--out") { Description = "folder for o.npy (and dq, dk1, dv1, dk2, dv2 .npy)", Required = true };

var forward = new Command("forward", "Run the forward (and the backward with --do) on .npy inputs; write float32 .npy outputs.")
{
    q, k1, v1, k2, v2, w1, w2, scale, dO, variant, scheme, device, output,
};
forward.SetAction(parse => Cli.Guard(() =>
{
    var inputs = new[] { q, k1, v1, k2, v2 }.Select(o => Npy.Read(parse.GetValue(o)!.FullName)).ToArray();
    var gradIn = parse.GetValue(dO) is { } doFile ? Npy.Read(doFile.FullName) : default((float[], int[])?);
    var shape = Cli.ShapeOf(inputs, gradIn);
    using var run = new Cli.Device(parse.GetValue(device)!);
    var dir = parse.GetValue(output)!;
    using var outputs = new Output(dir);
    NoteIfSlow(parse.GetValue(device)!, Cli.Flops(shape, parse.GetValue(w1), parse.GetValue(w2), backward: gradIn is not null));
    var result = run.Attention(shape, inputs.Select(x => x.Data).ToArray(), gradIn?.Item1, parse.GetValue(w1), parse.GetValue(w2), parse.GetValue(scale),
        Cli.VariantOf(parse.GetValue(variant)!), Cli.SchemeOf(parse.GetValue(scheme)!));
    int[] qShape = inputs[0].Shape, kvShape = inputs[1].Shape;
    var files = new List<(string, float[], int[])> { ("o.npy", result.O, qShape) };
    if (result.Gradients is { } g)
        files.AddRange(new[] { ("dq.npy", g[0], qShape), ("dk1.npy", g[1], kvShape), ("dv1.npy", g[2], kvShape), ("dk2.npy", g[3], kvShape), ("dv2.npy", g[4], kvShape) });
    foreach (var (name, data, fileShape) in files) outputs.Add(name, data, fileShape);
    outputs.Commit();
    Console.WriteLine($"{run.Name}: wrote {string.Join(", ", files.Select(f => f.Item1))} to {dir.FullName}");
}));

var b = Positive(new Option<int>("--b") { Description = "batch", DefaultValueFactory = _ => 1 });
var n = Positive(new Option<int>("--n") { Description = "sequence length", DefaultValueFactory = _ => 64 });
var hq = Positive(new Option<int>("--hq") { Description = "query heads", DefaultValueFactory = _ => 2 });
var hkv = Positive(new Option<int>("--hkv") { Description = "key/value heads (divides --hq)", DefaultValueFactory = _ => 1 });
var d = new Option<int>("--d") { Description = "head dimension: 16, 32, 64 or 128", DefaultValueFactory = _ => 32 }.Must(Cli.HeadDims.Contains, Cli.HeadDimsText);
var rw1 = Positive(new Option<int>("--w1") { Description = "K1/V1 window (longer than --n means --n)", DefaultValueFactory = _ => 32 });
var rw2 = Positive(new Option<int>("--w2") { Description = "K2/V2 window (longer than --n means --n)", DefaultValueFactory = _ => 16 });
var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var random = new Command("random", "Run forward and backward on random inputs: errors against a float64 reference for small sizes, throughput for large ones.")
{
    b, n, hq, hkv, d, rw1, rw2, scale, variant, scheme, device, seed,
};
random.SetAction(parse => Cli.Guard(() =>
{
    var shape = new TwoSimplicialAttention.Shape(parse.GetValue(b), parse.GetValue(n), parse.GetValue(hq), parse.GetValue(hkv), parse.GetValue(d));
    int a = parse.GetValue(rw1), c = parse.GetValue(rw2);
    if (shape.Heads % shape.KvHeads != 0)
        throw new CliError($"--hkv: {shape.KvHeads} must divide --hq ({shape.Heads}): each kv head serves a group of query heads.");
    long qCount = (long)shape.Batch * shape.N * shape.Heads * shape.D, kvCount = (long)shape.Batch * shape.N * shape.KvHeads * shape.D;
    if (qCount > Array.MaxLength)
        throw new CliError($"--b, --n, --hq, --d: Q would hold {qCount} elements, more than one array holds ({Array.MaxLength}); lower them.");
    double flops = Cli.Flops(shape, a, c, backward: true);
    using var run = new Cli.Device(parse.GetValue(device)!);
    NoteIfSlow(parse.GetValue(device)!, flops);
    var rng = new Random(parse.GetValue(seed));
    float[] Uniform(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    var inputs = new[] { Uniform(qCount), Uniform(kvCount), Uniform(kvCount), Uniform(kvCount), Uniform(kvCount) };
    var grad = Uniform(qCount);
    var watch = Stopwatch.StartNew();
    var kind = Cli.VariantOf(parse.GetValue(variant)!);
    var chosen = Cli.SchemeOf(parse.GetValue(scheme)!);
    var result = run.Attention(shape, inputs, grad, a, c, parse.GetValue(scale), kind, chosen);
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"{run.Name}: {parse.GetValue(variant)} B={shape.Batch} N={shape.N} Hq={shape.Heads} Hkv={shape.KvHeads} D={shape.D} w1={a} w2={c}, forward {TwoSimplicialAttention.Choose(shape, a, c, false, chosen, kind)}, backward {TwoSimplicialAttention.Choose(shape, a, c, true, chosen, kind)}");
    if (flops <= 3.5e9) // the float64 reference takes a few seconds on the CPU at this size
    {
        var reference = new TwoSimplicialReference(shape.Batch, shape.N, shape.Heads, shape.KvHeads, shape.D, a, c, parse.GetValue(scale) ?? 1 / Math.Sqrt(shape.D),
            kind == TwoSimplicialAttention.Variant.Determinant);
        var (o, _) = reference.Forward(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]);
        var g = reference.Backward(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], grad);
        var expected = new[] { o, g.DQ, g.DK1, g.DV1, g.DK2, g.DV2 };
        var actual = new[] { result.O }.Concat(result.Gradients!).ToArray();
        string[] names = { "o", "dq", "dk1", "dv1", "dk2", "dv2" };
        for (int t = 0; t < 6; t++)
        {
            double max = expected[t].Max(Math.Abs), error = expected[t].Select((e, i) => Math.Abs(e - actual[t][i])).Max();
            Console.WriteLine($"  {names[t],-4} max |error| {error:E2}  (max |reference| {max:F3}, relative {error / max:E2})");
        }
    }
    else
    {
        // Forward and backward, including the first launch's compilation; the benchmark (TileDsl.Bench --simplicial) times warm runs.
        Console.WriteLine($"  forward + backward: {seconds:F2} s, {flops / seconds / 1e12:F2} TFLOP/s (forward FLOPs 4·D·pairs, backward 2.5×; compilation included)");
    }
}));

var root = new RootCommand("2-simplicial attention (Roy et al., 2025) with TileDsl kernels") { forward, random };
var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction) // an option missing or malformed, or failing its check: one line and exit code 2, like every failure
    return Cli.Fail(string.Join(" ", parsed.Errors.Select(e => e.Message)) + " (--help lists the options)");
return parsed.Invoke();
