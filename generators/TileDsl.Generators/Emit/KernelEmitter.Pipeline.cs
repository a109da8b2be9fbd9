using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Emit;

/// <summary>
/// Software pipelines (<c>Passes.Pipelining</c>): the loop's stage indices, and the asynchronous copies into a stage.
/// On CUDA a vector of 4, 8 or 16 bytes goes with <c>cp.async.ca.shared.global</c> from the view's address (the launcher
/// passes it) to the stage's shared address, where the view is aligned, the offset a multiple of the vector and every
/// mask of the vector holds; a single element of 4 bytes or more, or a vector known whole, always, with a source size
/// of 0 where its (first) mask is off (cp.async's zero fill); otherwise, and on the CPU accelerator, the elements are
/// read and stored at once (masked ones as zeros), into the same place. <c>cp.async.commit_group</c> and <c>wait_group</c> order them.
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>The stage a pipelined loop's Dot reads in this iteration, and the one its copies write (the stage the
    /// previous iteration read); null outside such a loop.</summary>
    private string? stageRead, stageWrite;

    /// <summary>Declares a pipelined loop's stage indices (before the loop).</summary>
    private void OpenStages(int stages)
    {
        stageRead = names.Unique("stage");
        stageWrite = names.Unique("stageAhead");
        w.Line($"int {stageRead} = 0;");
        w.Line($"int {stageWrite} = {stages - 1};");
    }

    /// <summary>Moves a pipelined loop's stage indices on (at the end of its body).</summary>
    private void NextStages(int stages)
    {
        w.Line($"{stageWrite} = {stageRead};");
        w.Line($"{stageRead} = {stageRead} == {stages - 1} ? 0 : {stageRead} + 1;");
    }

    /// <summary>The elements from a staged buffer's start to the stage read (or written) now: "" for no pipeline.</summary>
    private string StageOffset(SharedBuffer buffer, bool staged, bool write = false)
        => staged ? $"{(write ? stageWrite : stageRead)} * {buffer.StageElements}" : "";

    private void AsyncCopy(DAsyncCopy copy)
    {
        var layout = copy.Layout;
        var map = copy.Map;
        if (map.HasWindow && (map.WindowStart != 0 || map.WindowLength < layout.Shape[map.WindowDim]))
            throw new System.InvalidOperationException("A pipelined Dot operand must be staged whole.");
        int pointers = copy.Copy.Pointers;
        string param = PointerParam(pointers);
        var element = copy.Element;
        int bytes = ElementTypes.Of(element).Bytes;
        int width = copy.Vector?.Width ?? 1;
        string arena = Arena(element);
        string stage = copy.Copy.Stage >= 0 ? (copy.Copy.Stage * copy.Buffer.StageElements).ToString() : StageOffset(copy.Buffer, true, write: true);
        string arenaAddress = ArenaAddress(element);
        string address = signature.Addresses[program.Values[pointers].Type.PointerParam!];
        string Raw(int r)
        {
            string read = $"{param}[{Operand(pointers, layout, r)}]";
            return copy.Copy.Mask is { } m ? $"{Operand(m, layout, r)} ? {read} : ({ElementTypes.Of(element).Storage})0" : read;
        }
        w.Line($"// {copy.Buffer.Purpose}: stage {(copy.Copy.Stage >= 0 ? copy.Copy.Stage.ToString() : stageWrite)}");
        foreach (var group in copy.Vector is { } v ? Groups(layout, v.Width) : Enumerable.Range(0, layout.RegisterCount).Select(r => new List<int> { r }).ToList())
        {
            string index = Sum(new[] { SharedIndex(copy.Buffer, layout, map, group[0], 1), stage });
            string Source(int r) => $"{address} + (long){Parenthesized(Operand(pointers, layout, r))} * {bytes}";
            string destination = $"{arenaAddress} + (uint){Parenthesized(index)} * {bytes}";
            if (copy.Vector is not { } vector)
            {
                // One element: asynchronously where cp.async can move it (4 bytes or more) and its mask holds.
                if (bytes >= 4)
                {
                    string? mask = copy.Copy.Mask is { } m ? Operand(m, layout, group[0]) : null;
                    w.Open($"if ({target.IsCuda})");
                    w.Line(CopyAsync(bytes, destination, Source(group[0]), mask));
                    w.Close();
                    w.Open("else");
                }
                w.Line($"{arena}[{index}] = {Raw(group[0])};");
                if (bytes >= 4) w.Close();
                continue;
            }
            if (vector.Whole)
            {
                // Known whole: copied at once where the first mask holds, zeros elsewhere (and on the CPU, read and stored at once).
                string? first = copy.Copy.Mask is { } m ? Operand(m, layout, group[0]) : null;
                string read = $"{VectorView(param, element, width)}[{Parenthesized(Operand(pointers, layout, group[0]))} / {width}]";
                string zeros = $"new {target.VectorType(element, width)}({string.Join(", ", group.Select(_ => $"({ElementTypes.Of(element).Storage})0"))})";
                w.Open($"if ({target.IsCuda})");
                w.Line(CopyAsync(width * bytes, destination, Source(group[0]), first));
                w.Close();
                w.Open("else");
                w.Line($"{VectorView(arena, element, width)}[{Parenthesized(index)} / {width}] = {(first is null ? read : $"{first} ? {read} : {zeros}")};");
                w.Close();
                continue;
            }
            w.Open($"if ({target.IsCuda} & {VectorCondition(pointers, copy.Copy.Mask, layout, group, vector)})");
            w.Line(target.Ptx($"cp.async.ca.shared.global [%0], [%1], {width * bytes};", destination, Source(group[0])));
            w.Close();
            w.Open("else");
            w.Line($"{VectorView(arena, element, width)}[{Parenthesized(index)} / {width}] = new {target.VectorType(element, width)}({string.Join(", ", group.Select(Raw))});");
            w.Close();
        }
    }

    /// <summary><c>cp.async</c> of <paramref name="bytes"/>; with a mask, its source size is 0 where the mask is off,
    /// which fills the destination with zeros and reads nothing (no branch around the copy).</summary>
    private string CopyAsync(int bytes, string destination, string source, string? mask)
    {
        // 16 bytes may skip L1 (.cg: tiles are read once per program); smaller copies must go through it (.ca).
        string copy = $"cp.async.{(bytes == 16 ? "cg" : "ca")}.shared.global [%0], [%1], {bytes}";
        return mask is null
            ? target.Ptx($"{copy};", destination, source)
            : target.Ptx($"{copy}, %2;", destination, source, $"{Parenthesized(mask)} ? {bytes}u : 0u");
    }

    private void AsyncCommit() => w.Line($"if ({target.IsCuda}) {target.Ptx("cp.async.commit_group;")}");

    private void AsyncWait(DAsyncWait wait) => w.Line($"if ({target.IsCuda}) {target.Ptx($"cp.async.wait_group {wait.Pending};")}");
}
