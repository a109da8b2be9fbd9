namespace TwoSimplicial;

/// <summary>
/// The files of one run in --out, replaced all or nothing. Each is written to a new file (FileMode.CreateNew: nothing
/// that exists is opened, links included) in a temporary directory made for this run inside --out; <see cref="Commit"/>
/// renames them into place, moving what they replace aside first (a rename moves a link, never what it points to), and
/// if one rename fails it puts everything back. Disposing removes the temporary directory (with what was replaced),
/// and --out itself where this run created it and leaves it empty.
/// </summary>
internal sealed class Output : IDisposable
{
    private readonly string dir, staging;
    private readonly bool created;
    private readonly List<string> names = new();
    private bool keepStaging;

    /// <summary>Makes the temporary directory, so that an --out that cannot be written fails before any work.</summary>
    public Output(DirectoryInfo dir)
    {
        this.dir = dir.FullName;
        if (File.Exists(this.dir)) throw new CliError($"--out {this.dir}: is a file; give a directory (it is created if missing).");
        created = !Directory.Exists(this.dir);
        staging = Path.Combine(this.dir, $".twosimplicial-{Guid.NewGuid():N}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            // The name is random, so it cannot have existed; should it have (a link, or someone else's directory), stop.
            var made = new DirectoryInfo(staging);
            if (made.LinkTarget is not null || made.EnumerateFileSystemInfos().Any())
                throw new CliError($"--out {this.dir}: {staging} existed before this run made it; remove it and run again.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"--out {this.dir}: cannot write there ({e.Message}); give a directory you can write to.");
        }
    }

    /// <summary>Writes one file to the temporary directory.</summary>
    public void Add(string name, float[] data, int[] shape)
    {
        try
        {
            Npy.Write(Path.Combine(staging, name), data, shape);
            names.Add(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"--out {dir}: cannot write {name} ({e.Message}); free some space or give another --out (nothing was replaced).");
        }
    }

    /// <summary>Renames every file into --out, or, if one cannot be, none.</summary>
    public void Commit()
    {
        var undo = new Stack<(string From, string To)>();
        foreach (string name in names)
        {
            string target = Path.Combine(dir, name), staged = Path.Combine(staging, name), old = staged + ".old";
            try
            {
                if (Directory.Exists(target)) throw new IOException("it is a directory, or a link to one");
                if (Path.Exists(target)) Move(target, old, undo); // true for a dangling link too
                Move(staged, target, undo);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                string problem = $"--out {dir}: cannot replace {name} ({e.Message})";
                try
                {
                    foreach (var (from, to) in undo) File.Move(to, from); // the stack yields the latest first
                }
                catch (Exception f) when (f is IOException or UnauthorizedAccessException)
                {
                    keepStaging = true;
                    throw new CliError($"{problem}, and putting the earlier files back failed ({f.Message}); they are in {staging}.");
                }
                throw new CliError($"{problem}; remove or rename it, or give another --out (nothing was replaced).");
            }
        }
    }

    public void Dispose()
    {
        if (keepStaging) return;
        try
        {
            Directory.Delete(staging, recursive: true); // removes links, not what they point to
            if (created && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: --out {dir}: cannot remove the temporary {staging} ({e.Message}); remove it by hand.");
        }
    }

    private static void Move(string from, string to, Stack<(string From, string To)> undo)
    {
        File.Move(from, to);
        undo.Push((from, to));
    }
}
