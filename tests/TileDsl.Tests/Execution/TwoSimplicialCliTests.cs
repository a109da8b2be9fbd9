using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using ILGPU.Runtime.Cuda;
using TileDsl.Attention.Reference;
using TileDsl.Tests.Support;
using TwoSimplicial;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>The TwoSimplicial command-line tool, run as a process on .npy files (CPU accelerator).</summary>
public sealed class TwoSimplicialCliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "tiledsl-cli-" + Guid.NewGuid().ToString("N"));

    public TwoSimplicialCliTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Forward_with_gradients_writes_npy_outputs_that_match_the_reference()
    {
        const int batch = 1, n = 21, heads = 2, kvHeads = 1, d = 16, w1 = 6, w2 = 4;
        var random = new Random(41);
        int[] qShape = { batch, n, heads, d }, kvShape = { batch, n, kvHeads, d };
        var names = new[] { "q", "k1", "v1", "k2", "v2", "do" };
        var data = names.Select(name => Reference.RandomFloats(random, name is "q" or "do" ? n * heads * d : n * kvHeads * d)).ToArray();
        for (int i = 0; i < names.Length; i++) Npy.Write(Path.Combine(dir, names[i] + ".npy"), data[i], names[i] is "q" or "do" ? qShape : kvShape);

        var (code, stdout, stderr) = Run("forward", "--q", In("q"), "--k1", In("k1"), "--v1", In("v1"), "--k2", In("k2"), "--v2", In("v2"),
            "--do", In("do"), "--w1", "6", "--w2", "4", "--scale", "0.3", "--out", Path.Combine(dir, "out"));
        Assert.True(code == 0, stdout + stderr);

        var reference = new TwoSimplicialReference(batch, n, heads, kvHeads, d, w1, w2, 0.3);
        var (o, _) = reference.Forward(data[0], data[1], data[2], data[3], data[4]);
        var g = reference.Backward(data[0], data[1], data[2], data[3], data[4], data[5]);
        var expected = new[] { ("o", o, qShape), ("dq", g.DQ, qShape), ("dk1", g.DK1, kvShape), ("dv1", g.DV1, kvShape), ("dk2", g.DK2, kvShape), ("dv2", g.DV2, kvShape) };
        foreach (var (name, values, shape) in expected)
        {
            var (actual, actualShape) = Npy.Read(Path.Combine(dir, "out", name + ".npy"));
            Assert.Equal(shape, actualShape);
            // float kernels against float64 (see TwoSimplicialTests for the error budget).
            Reference.AssertClose(values, i => actual[i], values.Length, rtol: 1e-3, atol: 1e-3, what: name);
        }
    }

    [Fact]
    public void Malformed_or_mismatched_inputs_are_reported_and_nothing_is_written()
    {
        var random = new Random(42);
        Npy.Write(Path.Combine(dir, "q.npy"), Reference.RandomFloats(random, 8 * 2 * 16), new[] { 1, 8, 2, 16 });
        Npy.Write(Path.Combine(dir, "kv.npy"), Reference.RandomFloats(random, 8 * 16), new[] { 1, 8, 1, 16 });
        Npy.Write(Path.Combine(dir, "short.npy"), Reference.RandomFloats(random, 7 * 16), new[] { 1, 7, 1, 16 });
        var bytes = File.ReadAllBytes(Path.Combine(dir, "kv.npy"));
        File.WriteAllBytes(Path.Combine(dir, "truncated.npy"), bytes.AsSpan(0, bytes.Length - 4).ToArray());
        File.WriteAllText(Path.Combine(dir, "text.npy"), "not numpy");
        string output = Path.Combine(dir, "out");

        foreach (var (k2, message) in new[] { ("truncated", "truncated.npy: shape (1, 8, 1, 16) needs 512 bytes"), ("text", "text.npy: not a .npy file"),
                     ("short", "--k2: shape (1, 7, 1, 16) differs from --k1's (1, 8, 1, 16)") })
        {
            var (code, _, stderr) = Run("forward", "--q", In("q"), "--k1", In("kv"), "--v1", In("kv"), "--k2", In(k2), "--v2", In("kv"),
                "--w1", "4", "--w2", "4", "--out", output);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
            Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "an output was written");
        }
    }

    [Theory]
    [InlineData("random --n 0", "--n: must be at least 1; got 0.")]
    [InlineData("random --hkv 0", "--hkv: must be at least 1; got 0.")]
    [InlineData("random --b -1", "--b: must be at least 1; got -1.")]
    [InlineData("random --w1 0", "--w1: must be at least 1; got 0.")]
    [InlineData("random --w2 -3", "--w2: must be at least 1; got -3.")]
    [InlineData("random --hq 3 --hkv 2", "--hkv: 2 must divide --hq (3)")]
    [InlineData("random --d 24", "--d: the tool runs head dimensions D = 16, 32, 64 and 128; got 24.")]
    [InlineData("random --scale NaN", "--scale: must be a finite number; got NaN.")]
    [InlineData("random --scale Infinity", "--scale: must be a finite number")]
    [InlineData("random --scale -Infinity", "--scale: must be a finite number")]
    [InlineData("random --n 99999999999", "'99999999999' for option '--n'")]
    [InlineData("random --b 65536 --n 65536 --d 16", "--b, --n, --hq, --d: Q would hold 137438953472 elements")]
    [InlineData("forward --q q.npy", "Option '--k1' is required.")]
    public void Bad_options_are_one_line_naming_the_option(string args, string message)
    {
        var (code, _, stderr) = Run(args.Split(' '));
        AssertFailure(code, stderr, message);
    }

    [Fact]
    public void Device_cuda_without_a_gpu_is_one_line()
    {
        using (var context = TileAccelerators.CreateContext())
            if (context.GetCudaDevices().Count > 0) return; // a GPU is here: the case does not arise
        var (code, _, stderr) = Run("random", "--n", "2", "--hq", "1", "--d", "16", "--device", "cuda");
        AssertFailure(code, stderr, "--device cuda: no CUDA device was found; leave out --device");
    }

    [Fact]
    public void Windows_longer_than_the_sequence_are_accepted()
    {
        var (code, stdout, stderr) = Run("random", "--n", "2", "--hq", "1", "--d", "16", "--w1", "100", "--w2", "7");
        Assert.True(code == 0, stdout + stderr);
    }

    [Theory]
    [InlineData("0,8,2,16", "0,8,1,16", "--q: shape (0, 8, 2, 16) has a dimension of 0; B, N, H and D must be at least 1.")]
    [InlineData("1,0,2,16", "1,0,1,16", "--q: shape (1, 0, 2, 16) has a dimension of 0")]
    [InlineData("1,8,0,16", "1,8,1,16", "--q: shape (1, 8, 0, 16) has a dimension of 0")]
    [InlineData("1,8,2,16", "1,8,0,16", "--k1: shape (1, 8, 0, 16) has a dimension of 0")]
    [InlineData("1,8,2,0", "1,8,1,0", "--q: shape (1, 8, 2, 0) has a dimension of 0")]
    [InlineData("1,8,2,24", "1,8,1,24", "--q: the tool runs head dimensions D = 16, 32, 64 and 128; got D = 24.")]
    [InlineData("1,8,3,16", "1,8,2,16", "--k1: its 2 heads must divide --q's 3")]
    public void Shapes_the_tool_cannot_run_are_reported_before_any_upload(string qShape, string kvShape, string message)
    {
        static int[] Parse(string shape) => shape.Split(',').Select(int.Parse).ToArray();
        Write("q", Parse(qShape));
        Write("kv", Parse(kvShape));
        var (code, _, stderr) = Forward("q", "kv", Path.Combine(dir, "out"));
        AssertFailure(code, stderr, message);
    }

    [Theory]
    [InlineData("not-integers", "bad.npy: 'shape' must be a tuple of non-negative integers; got (1, 8, 2, x16);")]
    [InlineData("not-a-tuple", "bad.npy: 'shape' must be a tuple of non-negative integers; got 3.5;")]
    [InlineData("past-int64", "bad.npy: 'shape' dimension 99999999999999999999 is too large (at most 2147483647);")]
    [InlineData("descr-twice", "bad.npy: the header has 'descr' twice;")]
    [InlineData("unexpected-key", "bad.npy: the header has an unexpected 'extra' entry;")]
    [InlineData("not-a-dict", "bad.npy: the header is not a dictionary of 'descr', 'fortran_order' and 'shape'")]
    [InlineData("v2-10-bytes", "bad.npy: the file is truncated: its 10 bytes end inside the .npy preamble;")]
    [InlineData("v2-length-2^31", "bad.npy: the header is 2147483648 bytes long; NumPy refuses headers over 10000 bytes")]
    [InlineData("v2-length-100MB", "bad.npy: the header is 100000000 bytes long; NumPy refuses headers over 10000 bytes")]
    [InlineData("v3-header-past-limit", "bad.npy: the header is 10048 bytes long; NumPy refuses headers over 10000 bytes")]
    public void Npy_header_problems_name_the_file_and_the_problem(string kind, string message)
    {
        static string Header(string shape, string extra = "") => $"{{'descr': '<f4', {extra}'fortran_order': False, 'shape': {shape}, }}";
        byte[] bytes = kind switch
        {
            "not-integers" => RawNpy(1, Header("(1, 8, 2, x16)")),
            "not-a-tuple" => RawNpy(1, Header("3.5")),
            "past-int64" => RawNpy(1, Header("(1, 99999999999999999999, 2, 16)")),
            "descr-twice" => RawNpy(1, Header("(1, 8, 2, 16)", "'descr': '<f8', ")),
            "unexpected-key" => RawNpy(1, Header("(1, 8, 2, 16)", "'extra': 1, ")),
            "not-a-dict" => RawNpy(1, "[1, 2, 3]"),
            "v2-10-bytes" => RawNpy(2, Header("(1, 8, 2, 16)"))[..10],
            "v2-length-2^31" => RawNpy(2, "{}", declaredLength: 1u << 31),
            "v2-length-100MB" => RawNpy(2, "{}", declaredLength: 100_000_000), // refused from the length: the file is 14 bytes
            "v3-header-past-limit" => RawNpy(3, Header("(1, 8, 2, 16)").PadRight(10_047) + "\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        File.WriteAllBytes(Path.Combine(dir, "bad.npy"), bytes);
        Write("kv", new[] { 1, 8, 1, 16 });
        var (code, _, stderr) = Forward("bad", "kv", Path.Combine(dir, "out"));
        AssertFailure(code, stderr, message);
    }

    [Fact]
    public void Out_that_is_a_file_or_cannot_be_written_is_reported_before_the_work()
    {
        Write("q", new[] { 1, 2, 1, 16 });
        string file = Path.Combine(dir, "file");
        File.WriteAllText(file, "keep");
        var cases = new List<(string Out, string Message)> { (file, $"--out {file}: is a file; give a directory"), (Path.Combine(file, "sub"), "cannot write there") };
        if (OperatingSystem.IsLinux()) cases.Add(("/proc", "--out /proc: cannot write there")); // a directory even root cannot write to
        foreach (var (output, message) in cases)
        {
            var (code, _, stderr) = Forward("q", "q", output);
            AssertFailure(code, stderr, message);
        }
        Assert.Equal("keep", File.ReadAllText(file));
    }

    [Fact]
    public void Outputs_are_replaced_all_or_nothing()
    {
        Write("q", new[] { 1, 2, 1, 16 });
        string output = Path.Combine(dir, "out");
        string[] earlier = { "o", "dq", "dk1", "dv1", "dk2" };
        Directory.CreateDirectory(output);
        foreach (var name in earlier) File.WriteAllText(Path.Combine(output, name + ".npy"), "earlier " + name);
        Directory.CreateDirectory(Path.Combine(output, "dv2.npy")); // the last one cannot be replaced

        var (code, _, stderr) = Forward("q", "q", output, "--do", In("q"));
        AssertFailure(code, stderr, $"--out {output}: cannot replace dv2.npy (it is a directory, or a link to one);");
        foreach (var name in earlier) Assert.Equal("earlier " + name, File.ReadAllText(Path.Combine(output, name + ".npy")));
        Assert.Equal(earlier.Select(e => e + ".npy").Append("dv2.npy").Order(), Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Planted_links_in_out_are_not_followed()
    {
        Write("q", new[] { 1, 2, 1, 16 });
        string output = Path.Combine(dir, "out"), victim = Path.Combine(dir, "victim"), other = Path.Combine(dir, "other");
        Directory.CreateDirectory(output);
        File.WriteAllText(victim, "victim");
        File.WriteAllText(other, "other");
        File.CreateSymbolicLink(Path.Combine(output, "o.npy.partial"), victim); // the temporary name of earlier versions
        File.CreateSymbolicLink(Path.Combine(output, "o.npy"), other);

        var (code, stdout, stderr) = Forward("q", "q", output);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal("victim", File.ReadAllText(victim));
        Assert.Equal("other", File.ReadAllText(other));
        Assert.Null(new FileInfo(Path.Combine(output, "o.npy")).LinkTarget); // the link was replaced by the output, its target left alone
        Assert.Equal(new[] { 1, 2, 1, 16 }, Npy.Read(Path.Combine(output, "o.npy")).Shape);
        Assert.Equal(victim, new FileInfo(Path.Combine(output, "o.npy.partial")).LinkTarget);
        Assert.Equal(2, Directory.EnumerateFileSystemEntries(output).Count()); // no temporary directory left
    }

    /// <summary>
    /// The note before a long CPU run: tested on the estimate itself, since a size large enough to print it takes hours
    /// (the note comes first, then the work; there is no dry run).
    /// </summary>
    [Fact]
    public void Cpu_runs_estimated_long_are_announced_with_the_way_out()
    {
        var issue = new TileDsl.Attention.TwoSimplicialAttention.Shape(1, 16384, 64, 1, 128);
        double flops = Cli.Flops(issue, 32, 16, backward: true);
        Assert.InRange(flops, 9.5e11, 9.7e11); // 3.5 · 4·D · pairs · B·H, pairs ≈ 16 · 32 · N
        var note = Cli.SlowNote("cpu", flops);
        Assert.NotNull(note);
        Assert.Contains("about 8.9 hours", note);
        Assert.Contains("--device cuda", note);
        Assert.Null(Cli.SlowNote("cuda", flops));
        Assert.Null(Cli.SlowNote("cpu", Cli.Flops(new(1, 64, 2, 1, 32), 32, 16, backward: true))); // the default size: seconds
    }

    private string In(string name) => Path.Combine(dir, name + ".npy");

    /// <summary>Random values in [B, N, H, D] to name.npy.</summary>
    private void Write(string name, int[] shape) => Npy.Write(In(name), Reference.RandomFloats(new Random(name.Length), shape.Aggregate(1, (a, b) => a * b)), shape);

    /// <summary>`forward` with Q from q.npy and K1, V1, K2, V2 from kv.npy, windows of 2 and 5.</summary>
    private (int Code, string Stdout, string Stderr) Forward(string q, string kv, string output, params string[] more)
        => Run(new[] { "forward", "--q", In(q), "--k1", In(kv), "--v1", In(kv), "--k2", In(kv), "--v2", In(kv), "--w1", "2", "--w2", "5", "--out", output }.Concat(more).ToArray());

    /// <summary>A .npy file from its parts: the header is taken as is, its length is the real one unless declared.</summary>
    private static byte[] RawNpy(byte major, string header, uint? declaredLength = null)
    {
        var text = Encoding.UTF8.GetBytes(header);
        uint length = declaredLength ?? (uint)text.Length;
        var lengthBytes = major == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes(length);
        return new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 }.Concat(lengthBytes).Concat(text).ToArray();
    }

    /// <summary>Exit code 2 and one line on stderr: "error: " and a message that contains <paramref name="message"/>.</summary>
    private static void AssertFailure(int code, string stderr, string message)
    {
        Assert.True(code == 2, $"exit code {code}: {stderr}");
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        // The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TwoSimplicial.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
