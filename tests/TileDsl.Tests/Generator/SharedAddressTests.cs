using System.Linq;
using System.Text.RegularExpressions;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Generator;

/// <summary>
/// The shared-memory addresses inline PTX uses (cp.async destinations, ldmatrix rows, wgmma descriptors) against the
/// arena views C# uses: the arenas follow one another in dynamic shared memory, so an arena after the first is at its
/// view's byte offset from <c>TileMma.SharedAddress()</c>. The CPU accelerator cannot see this (its emulation reads the
/// views), so it is checked in the generated text; a mismatch read the float arena's bytes as bf16 operands on the GPU.
/// </summary>
public sealed class SharedAddressTests
{
    /// <summary>A pipelined tensor-core Dot on 8 warps (4 × 2 warps on mma.sync) whose rows are then reduced: the
    /// reduction's partials take a float arena, placed before the bf16 one; every kernel's PTX addresses (of the bf16
    /// arena only) start at that arena's offset.</summary>
    [Fact]
    public void Ptx_addresses_start_at_their_arenas_offset()
    {
        const string source = """
            using TileDsl;
            using static TileDsl.Tl;
            public static partial class K
            {
                [TileKernel(NumWarps = 8, NumStages = 3)]
                public static void RowMaxOfProduct(Ptr<BFloat16> a, Ptr<BFloat16> b, Ptr<float> rowMax, int K)
                {
                    var rm = Arange(0, 128);
                    var rn = Arange(0, 64);
                    var acc = Zeros<float>(128, 64);
                    for (int k = 0; k < K; k += 32)
                    {
                        var rk = k + Arange(0, 32);
                        acc = Dot(Load(a + (rm[.., None] * K + rk[None, ..])), Load(b + (rk[.., None] * 64 + rn[None, ..])), acc);
                    }
                    Store(rowMax + rm, Max(acc, 1));
                }
            }
            """;
        var (result, output) = TestCompilation.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(TestCompilation.Errors(output));
        string text = result.GeneratedSources.Single().SourceText.ToString();
        var kernels = Regex.Split(text, @"\n\s*private static void ").Skip(1).ToList();
        Assert.NotEmpty(kernels);
        int checkedKernels = 0;
        foreach (var kernel in kernels)
        {
            var views = Regex.Matches(kernel, @"var (shared\w+) = sharedBytes\.SubView\((\d+), \d+\)\.Cast<ushort>\(\);");
            if (views.Count == 0) continue;
            int bf16Offset = int.Parse(views.Single().Groups[2].Value);
            // Every base the PTX addresses start from, and what it is relative to the dynamic shared memory.
            var bases = Regex.Matches(kernel, @"uint (shared\w*Address) = sharedAddress \+ (\d+);")
                .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
            bases["sharedAddress"] = 0;
            var used = Regex.Matches(kernel, @"(?:cp\.async[^""]*"", |uint mmaAt\w+ = |TileMma\.Descriptor\()(shared\w*Address) \+")
                .Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.NotEmpty(used);
            foreach (var name in used) Assert.Equal(bf16Offset, bases[name]);
            if (bf16Offset > 0) checkedKernels++;
        }
        // The mma.sync kernels (plain and divisible) reduce across warps; the Hopper ones' warps hold whole rows.
        Assert.True(checkedKernels >= 2, "kernels whose bf16 arena follows the float one");
    }
}
