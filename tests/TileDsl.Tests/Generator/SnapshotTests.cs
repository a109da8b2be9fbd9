using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
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
        Assert.Equal(3, result.GeneratedSources.Length);
        foreach (var source in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
            Snapshot.Verify(source.SourceText.ToString(), source.HintName.Replace(".g.cs", ""));
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
