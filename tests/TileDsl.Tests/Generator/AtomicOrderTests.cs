using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// An atomic's sem and scope become fences around it in the generated kernel: release before, acquire after (both for
/// acq_rel, none for relaxed), of the scope's level. Results are tested on both runners in <c>AtomicTests</c>; the
/// CPU cannot show a missing fence, so this reads the kernel.
/// </summary>
public sealed class AtomicOrderTests
{
    [Theory]
    [InlineData("", "fence Atomic fence", "DeviceLevel")] // Triton's defaults: acq_rel, gpu
    [InlineData(", AtomicSem.AcqRel, AtomicScope.Cta", "fence Atomic fence", "GroupLevel")]
    [InlineData(", sem: AtomicSem.Release", "fence Atomic", "DeviceLevel")]
    [InlineData(", AtomicSem.Acquire, AtomicScope.Cta", "Atomic fence", "GroupLevel")]
    [InlineData(", scope: AtomicScope.Cta, sem: AtomicSem.Relaxed", "Atomic", "")]
    public void Fences_surround_the_atomic_as_its_sem_and_scope_say(string order, string expected, string level)
    {
        // Tile and scalar atomics, with their old values and without (one lane per thread: one atomic each).
        string source = $$"""
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel(NumWarps = 1)]
                public static void Tile(Ptr<int> p, Ptr<int> q) { var o = Arange(0, 32); AtomicMax(p + o, o, o < 7{{order}}); }

                [TileKernel(NumWarps = 1)]
                public static void Scalar(Ptr<int> p, Ptr<int> q) { Store(q + Arange(0, 32), Full(32, AtomicAdd(p, 1{{order}}))); }
            }
            """;
        var (result, output) = TestCompilation.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        Assert.Equal(2, result.GeneratedSources.Length);
        foreach (var generated in result.GeneratedSources)
        {
            var lines = generated.SourceText.ToString().Split('\n').Select(l => l.Trim());
            var steps = lines.Where(l => l.Contains("MemoryFence.") || l.Contains("Atomic.")).ToList();
            Assert.Equal(expected, string.Join(" ", steps.Select(l => l.StartsWith("MemoryFence.") ? "fence" : "Atomic")));
            Assert.All(steps.Where(l => l.StartsWith("MemoryFence.")), l => Assert.Equal($"MemoryFence.{level}();", l));
        }
    }
}
