using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
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

    private string In(string name) => Path.Combine(dir, name + ".npy");

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
