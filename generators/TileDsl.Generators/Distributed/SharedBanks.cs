using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Layout;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// The cost of a warp's shared-memory access, for choosing between placements: shared memory has 32 banks of 4 bytes
/// and serves a warp's request in phases (32 lanes for 4-byte accesses, 16 for 8-byte, 8 for 16-byte); within a phase,
/// distinct words in one bank are served one after the other. The cost is the number of such steps (wavefronts).
/// </summary>
internal static class SharedBanks
{
    /// <summary>Wavefronts of one access (register 0) of warp 0 of <paramref name="layout"/> at <c>Σ coordinate·stride</c>, <paramref name="width"/> elements at once.</summary>
    public static int Wavefronts(LinearLayout layout, IReadOnlyList<int> strides, int width, int elementBytes)
    {
        int bytes = width * elementBytes;
        int lanesPerPhase = System.Math.Max(1, System.Math.Min(32, 128 / bytes));
        int total = 0;
        for (int phase = 0; phase < 32; phase += lanesPerPhase)
        {
            var words = new Dictionary<int, HashSet<long>>();
            for (int lane = phase; lane < phase + lanesPerPhase; lane++)
            {
                long offset = 0;
                for (int d = 0; d < layout.Rank; d++)
                {
                    int coordinate = 0;
                    for (int bit = 0; bit < LinearLayout.LaneBits; bit++)
                        if ((lane >> bit & 1) != 0) coordinate ^= layout.Lanes[bit][d];
                    offset += (long)coordinate * strides[d];
                }
                long first = offset * elementBytes / 4, count = System.Math.Max(1, bytes / 4);
                for (long word = first; word < first + count; word++)
                {
                    int bank = (int)(word % 32);
                    if (!words.TryGetValue(bank, out var set)) words[bank] = set = new HashSet<long>();
                    set.Add(word);
                }
            }
            total += words.Values.Select(s => s.Count).DefaultIfEmpty(1).Max();
        }
        return total;
    }
}
