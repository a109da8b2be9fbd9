using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>The generated code of the sample kernels, reviewed and committed under Snapshots/; it must also compile.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void BasicKernels()
    {
        var (result, output) = TestCompilation.Run(File.ReadAllText(RepositoryFile("src/TileDsl.Kernels/BasicKernels.cs")));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        Assert.Equal(4, result.GeneratedSources.Length);
        foreach (var source in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
            Snapshot.Verify(source.SourceText.ToString(), source.HintName.Replace(".g.cs", ""));
    }

    /// <summary>
    /// The tutorial softmax and matmul kernels, each cut down to one specialization (its [Constexpr] lists replaced by
    /// the values below) so that the committed snapshot stays reviewable: softmax BLOCK = 1024, matmul 32 × 32 × 16 (a k the
    /// tf32 kernel beside it accepts too), the
    /// bf16 matmul on tensor cores 32 × 32 × 32, and 64 × 128 × 64 on its 4 warps, which also has Hopper kernels (one
    /// warpgroup of wgmma m64n128k16; the snapshot's second file name says which).
    /// </summary>
    [Theory]
    [InlineData("Softmax", "Rows", "BLOCK=1024")]
    [InlineData("Matmul", "Kernel", "BM=32,BN=32,BK=16")]
    [InlineData("Matmul", "Bf16", "BM=32,BN=32,BK=32")]
    [InlineData("Matmul", "Bf16", "BM=64,BN=128,BK=64")]
    public void Tutorial_kernels(string file, string kernel, string specialization)
    {
        string source = File.ReadAllText(RepositoryFile($"src/TileDsl.Kernels/Tutorials/{file}.cs"));
        foreach (var pair in specialization.Split(','))
        {
            var parts = pair.Split('=');
            source = Regex.Replace(source, @"\[Constexpr\([0-9, ]+(, Warps = new\[\] \{[0-9, ]+\})?\)\] int " + parts[0] + @"\b", $"[Constexpr({parts[1]})] int {parts[0]}");
        }
        var (result, output) = TestCompilation.Run(source, File.ReadAllText(RepositoryFile("src/TileDsl.Kernels/Tutorials/RowBlock.cs")));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        var generated = Assert.Single(result.GeneratedSources, s => s.HintName.EndsWith($".{file}.{kernel}.g.cs", StringComparison.Ordinal));
        Snapshot.Verify(generated.SourceText.ToString(), generated.HintName.Replace(".g.cs", "") + "." + specialization.Replace("=", "").Replace(',', '_'));
    }

    /// <summary>
    /// The 2-simplicial attention forward kernels of both schemes and the row-wise key-gradient kernel, one
    /// specialization each (trilinear, D = 32; row-wise BJ = BK = 16, but BJ = 32 with its 8 warps and the dQ share
    /// for the key gradients; head-packed GH = 16, BK = 32).
    /// </summary>
    [Theory]
    [InlineData("RowWise", "RowForward")]
    [InlineData("RowWise", "RowBackwardKey")]
    [InlineData("HeadPacked", "PackedForward")]
    public void Two_simplicial(string scheme, string kernel)
    {
        string source = File.ReadAllText(RepositoryFile($"src/TileDsl.Attention/TwoSimplicialAttention.{scheme}.cs"));
        source = Regex.Replace(source, @"\[Constexpr\(16, 32, 64, 128\)\] int D\b", "[Constexpr(32)] int D");
        source = Regex.Replace(source, @"\[Constexpr\(16, 32\)\] int (BJ|BK)\b", "[Constexpr(16)] int $1");
        source = Regex.Replace(source, @"\[Constexpr\(16, 32, Warps = new\[\] \{ 4, 8 \}\)\] int BJ\b", "[Constexpr(32, Warps = new[] { 8 })] int BJ");
        source = Regex.Replace(source, @"\[Constexpr\(0, 1\)\] int DQ\b", "[Constexpr(1)] int DQ");
        source = Regex.Replace(source, @"\[Constexpr\(4, 16, 64\)\] int GH\b", "[Constexpr(16)] int GH");
        source = Regex.Replace(source, @"\[Constexpr\(32, 64\)\] int BK\b", "[Constexpr(32)] int BK");
        source = Regex.Replace(source, @"\[Constexpr\(0, 1\)\] int DET\b", "[Constexpr(0)] int DET");
        source = Regex.Replace(source, @"\[Constexpr\(0, 1, Warps = new\[\] \{ 4, 8 \}\)\] int DET\b", "[Constexpr(0, Warps = new[] { 4 })] int DET");
        var (result, output) = TestCompilation.Run(source, File.ReadAllText(RepositoryFile("src/TileDsl.Attention/TwoSimplicialAttention.Constants.cs")),
            File.ReadAllText(RepositoryFile("src/TileDsl.Attention/TwoSimplicialAttention.Functions.cs")));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        var forward = Assert.Single(result.GeneratedSources, s => s.HintName.EndsWith($".{kernel}.g.cs", StringComparison.Ordinal));
        Snapshot.Verify(forward.SourceText.ToString(), forward.HintName.Replace(".g.cs", ""));
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        string source = File.ReadAllText(RepositoryFile("src/TileDsl.Kernels/BasicKernels.cs"));
        var first = TestCompilation.Run(source).Result.GeneratedSources.Select(s => s.SourceText.ToString());
        var second = TestCompilation.Run(source).Result.GeneratedSources.Select(s => s.SourceText.ToString());
        Assert.Equal(first, second);
    }

    public static string RepositoryFile(string relative, [CallerFilePath] string here = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(here)!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TileDsl.sln"))) return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException("TileDsl.sln not found above " + here);
    }
}
