using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace TileDsl.Tests.Packaging;

/// <summary>
/// The TileDsl package as a user gets it: packed from src/TileDsl into a temporary folder, then a console project
/// outside the repository (Consumer/, copied to a temporary folder) restores it by PackageReference alone, builds (the
/// generator comes from the package) and runs its [TileKernel] on the CPU accelerator against a float64 reference.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(5);
    private readonly string dir = Path.Combine(Path.GetTempPath(), "tiledsl-package-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper output;

    public PackageTests(ITestOutputHelper output)
    {
        this.output = output;
        Directory.CreateDirectory(dir);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Packed_TileDsl_builds_and_runs_a_kernel_in_a_project_outside_the_repository()
    {
        string root = RepositoryRoot(), feed = Path.Combine(dir, "feed"), consumer = Path.Combine(dir, "consumer");

        // 1. Pack, with bin/ and obj/ of its own (--artifacts-path): the checkout's build outputs are left alone.
        Step("pack", root, "pack", Path.Combine(root, "src", "TileDsl", "TileDsl.csproj"), "-c", "Release", "-o", feed,
            "--artifacts-path", Path.Combine(dir, "artifacts"));
        string nupkg = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        Assert.Single(Directory.GetFiles(feed, "*.snupkg"));
        string version = CheckPackage(nupkg);

        // 2. The consumer: the template files, and a nuget.config naming the feed and a packages folder of its own.
        string template = Path.Combine(root, "tests", "TileDsl.Tests", "Packaging", "Consumer");
        Directory.CreateDirectory(consumer);
        foreach (var name in new[] { "Program.cs", "Consumer.csproj" }) File.Copy(Path.Combine(template, name), Path.Combine(consumer, name));
        string consumerPackages = Path.Combine(dir, "packages");
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), File.ReadAllText(Path.Combine(template, "nuget.config.template"))
            .Replace("$CONSUMER_PACKAGES$", consumerPackages)
            .Replace("$PACK_FOLDER$", feed)
            .Replace("$MACHINE_PACKAGES$", MachinePackagesFolder(root)));

        // 3. Restore and build by PackageReference only, then run.
        Step("build", consumer, "build", "-p:TileDslVersion=" + version);
        string restored = Path.Combine(consumerPackages, "tiledsl", version.ToLowerInvariant());
        string sha512 = File.ReadAllText(Path.Combine(restored, $"tiledsl.{version.ToLowerInvariant()}.nupkg.sha512")).Trim();
        Assert.Equal(Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(nupkg))), sha512); // the package just packed, not an earlier one
        var (code, stdout, stderr) = Step("run", consumer, Path.Combine(consumer, "bin", "Debug", "net10.0", "Consumer.dll"));
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains(stdout.Split('\n'), line => line.StartsWith("OK", StringComparison.Ordinal));
    }

    /// <summary>
    /// The package's files and dependencies: the generator only under analyzers/, the runtime under lib/, ILGPU and
    /// ILGPU.Algorithms as the only dependencies. Returns its version.
    /// </summary>
    private static string CheckPackage(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("analyzers/dotnet/cs/TileDsl.Generators.dll", entries);
        Assert.Contains("lib/net10.0/TileDsl.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));

        using var nuspec = zip.GetEntry("TileDsl.nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("TileDsl", Field("id"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Order();
        Assert.Equal(new[] { "ILGPU", "ILGPU.Algorithms" }, dependencies);
        string version = Field("version");
        Assert.StartsWith("0.", version);
        return version;
    }

    /// <summary>The global packages folder the repository restores into (the consumer reads it as a local feed).</summary>
    private string MachinePackagesFolder(string root)
    {
        var (code, stdout, stderr) = Dotnet(root, "nuget", "locals", "global-packages", "--list");
        Assert.True(code == 0, stdout + stderr);
        string line = stdout.Split('\n').Single(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        string folder = line["global-packages:".Length..].Trim();
        Assert.True(Directory.Exists(folder), folder);
        return folder;
    }

    /// <summary>Runs `dotnet args` in <paramref name="directory"/>, asserts exit code 0 and logs its duration.</summary>
    private (int Code, string Stdout, string Stderr) Step(string what, string directory, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var result = Dotnet(directory, args);
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:F1} s, exit code {result.Code}");
        Assert.True(result.Code == 0, $"{what} failed (exit code {result.Code}):\n{result.Stdout}\n{result.Stderr}");
        return result;
    }

    private static (int Code, string Stdout, string Stderr) Dotnet(string directory, params string[] args)
    {
        // The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        // A clean MSBuild: none of the test run's MSBuild settings, no packages folder but nuget.config's, and no build
        // server or node left behind holding the redirected output open.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment.Remove("NUGET_PACKAGES");
        start.Environment.Remove("NUGET_FALLBACK_PACKAGES");
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(StepLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} ran past {StepLimit.TotalMinutes} minutes");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The folder of TileDsl.sln: above the test assembly, else above this source file (an --artifacts-path build).</summary>
    private static string RepositoryRoot([CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "" })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "TileDsl.sln"))) return d.FullName;
        throw new InvalidOperationException($"TileDsl.sln not found above {AppContext.BaseDirectory} nor above {source}");
    }
}
