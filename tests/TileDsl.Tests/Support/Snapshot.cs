using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace TileDsl.Tests.Support;

/// <summary>
/// Verify's convention without the Verify package: <c>Snapshots/{Class}.{Method}#{Name}.verified.{ext}</c> is
/// committed; on a mismatch the new text goes to <c>*.received.*</c> (ignored by git) and the test fails with a diff.
/// Set TILEDSL_ACCEPT_SNAPSHOTS=1 to accept the received text.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string? name = null, string extension = "cs",
        [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        string directory = Path.Combine(ProjectDirectory(callerFile), "Snapshots");
        string stem = $"{Path.GetFileNameWithoutExtension(callerFile)}.{method}{(name is null ? "" : "#" + name)}";
        string verified = Path.Combine(directory, $"{stem}.verified.{extension}");
        string received = Path.Combine(directory, $"{stem}.received.{extension}");
        string text = Normalize(actual);

        if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == text)
        {
            File.Delete(received);
            return;
        }
        if (Environment.GetEnvironmentVariable("TILEDSL_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, text);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, text);
        string expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : "";
        throw new XunitException(
            $"Snapshot {stem} differs from {Path.GetFileName(verified)}{(File.Exists(verified) ? "" : " (missing)")}.\n" +
            $"Received: {received}\nAccept with TILEDSL_ACCEPT_SNAPSHOTS=1 after reviewing.\n{Diff(expected, text)}");
    }

    private static string Normalize(string text) => text.TrimStart('\uFEFF').Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    private static string Diff(string expected, string actual)
    {
        var diff = InlineDiffBuilder.Diff(expected, actual);
        var result = new StringBuilder();
        int shown = 0;
        foreach (var line in diff.Lines)
        {
            if (line.Type == ChangeType.Unchanged) continue;
            result.Append(line.Type == ChangeType.Inserted ? "+ " : "- ").AppendLine(line.Text);
            if (++shown == 60) { result.AppendLine("..."); break; }
        }
        return result.ToString();
    }

    private static string ProjectDirectory(string callerFile)
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(callerFile)!); dir is not null; dir = dir.Parent)
            if (dir.GetFiles("*.csproj").Length > 0) return dir.FullName;
        throw new InvalidOperationException($"No project directory above {callerFile}.");
    }
}
