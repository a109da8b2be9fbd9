using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace TwoSimplicial;

/// <summary>NumPy's .npy format (versions 1–3), little-endian float32 or float64, C order; read as float32.</summary>
internal static partial class Npy
{
    /// <summary>
    /// The longest header read, in bytes: NumPy's own limit (numpy.lib.format._MAX_HEADER_SIZE, np.load's
    /// max_header_size). A longer one is refused from the length in the preamble, before it is read.
    /// </summary>
    public const int MaxHeaderLength = 10_000;

    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads an array; any problem is an <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static (float[] Data, int[] Shape) Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message}); check the path.");
        }
    }

    /// <summary>Writes a float32 array (version 1.0, header padded to 64 bytes) to a new file: an existing one, or a link, is an error.</summary>
    public static void Write(string path, float[] data, int[] shape)
    {
        string dims = shape.Length == 1 ? shape[0] + "," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(Magic);
        stream.Write(new byte[] { 1, 0 });
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        for (int i = 0; i < data.Length; i += 1 << 20) // in chunks: a span of bytes ends at 2 GiB
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan(i, Math.Min(1 << 20, data.Length - i))));
    }

    private static (float[] Data, int[] Shape) Read(FileStream stream, string path)
    {
        // The preamble: magic, version (major, minor), header length (2 bytes in version 1, 4 in versions 2 and 3).
        Span<byte> preamble = stackalloc byte[12];
        int got = stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false);
        if (got < Magic.Length || !preamble[..Magic.Length].SequenceEqual(Magic)) throw Invalid(path, "not a .npy file (it does not start with \\x93NUMPY)");
        int major = got > Magic.Length ? preamble[Magic.Length] : 1; // cut right after the magic: the shortest preamble is still missing
        if (major is not (1 or 2 or 3)) throw Invalid(path, $".npy format version {major} is not supported (1, 2 or 3)");
        int start = major == 1 ? 10 : 12;
        if (got < start) throw Invalid(path, $"the file is truncated: its {got} bytes end inside the .npy preamble");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        if (headerLength > MaxHeaderLength)
            throw Invalid(path, $"the header is {headerLength} bytes long; NumPy refuses headers over {MaxHeaderLength} bytes, and so does this tool");
        long offset = start + headerLength;
        if (offset > stream.Length) throw Invalid(path, $"the file is truncated: its header runs past the end ({stream.Length} bytes)");
        var headerBytes = new byte[headerLength];
        stream.Position = start;
        stream.ReadExactly(headerBytes);
        var (descr, shape) = Header((major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes), path);

        int size = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw Invalid(path, $"dtype '{descr}' is not supported", "use float32 ('<f4') or float64 ('<f8')"),
        };
        var count = shape.Aggregate(BigInteger.One, (a, b) => a * b);
        if (count * size != stream.Length - offset)
            throw Invalid(path, $"shape ({string.Join(", ", shape)}) needs {count * size} bytes of data; the file has {stream.Length - offset}");
        if (count > Array.MaxLength) throw Invalid(path, $"{count} elements are more than one array holds ({Array.MaxLength})", "split the input");
        return (ReadFloats(stream, (int)count, size), shape);
    }

    /// <summary>The dtype and shape from a header, a Python dict literal of exactly 'descr', 'fortran_order' and 'shape'.</summary>
    private static (string Descr, int[] Shape) Header(string header, string path)
    {
        var match = HeaderPattern().Match(header);
        if (!match.Success) throw Invalid(path, "the header is not a dictionary of 'descr', 'fortran_order' and 'shape' as NumPy writes it");
        var entries = new Dictionary<string, string>();
        for (int i = 0; i < match.Groups["key"].Captures.Count; i++)
        {
            string key = match.Groups["key"].Captures[i].Value;
            if (key is not ("descr" or "fortran_order" or "shape")) throw Invalid(path, $"the header has an unexpected '{key}' entry");
            if (!entries.TryAdd(key, match.Groups["value"].Captures[i].Value)) throw Invalid(path, $"the header has '{key}' twice");
        }
        string Entry(string key) => entries.TryGetValue(key, out var value) ? value : throw Invalid(path, $"the header has no '{key}' entry");

        string descr = Entry("descr");
        if (descr.Length < 2 || descr[0] != '\'') throw Invalid(path, $"'descr' must be a quoted dtype such as '<f4'; got {descr}");
        string order = Entry("fortran_order");
        if (order is not ("True" or "False")) throw Invalid(path, $"'fortran_order' must be True or False; got {order}");
        if (order == "True") throw Invalid(path, "Fortran-ordered arrays are not supported", "save it with np.ascontiguousarray");
        return (descr[1..^1], Dimensions(Entry("shape"), path));
    }

    /// <summary>A shape tuple such as (1, 8, 2, 16), (16,) or (): non-negative integers that fit in an int.</summary>
    private static int[] Dimensions(string tuple, string path)
    {
        var invalid = Invalid(path, $"'shape' must be a tuple of non-negative integers; got {tuple}");
        if (tuple[0] != '(') throw invalid;
        var items = tuple[1..^1].Split(',', StringSplitOptions.TrimEntries);
        if (items[^1].Length == 0) items = items[..^1]; // (16,) and ()
        return items.Select(item => item.Length > 0 && item.All(char.IsAsciiDigit)
            ? int.TryParse(item, out int dim) ? dim : throw Invalid(path, $"'shape' dimension {item} is too large (at most {int.MaxValue})")
            : throw invalid).ToArray();
    }

    /// <summary>Little-endian float32 or float64 values, read in chunks and converted to float32.</summary>
    private static float[] ReadFloats(Stream stream, int count, int size)
    {
        var data = new float[count];
        var buffer = new byte[1 << 16];
        for (int done = 0; done < count;)
        {
            int chunk = Math.Min(buffer.Length / size, count - done);
            stream.ReadExactly(buffer, 0, chunk * size);
            for (int i = 0; i < chunk; i++)
                data[done + i] = size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i * 4)) : (float)BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(i * 8));
            done += chunk;
        }
        return data;
    }

    private static InvalidDataException Invalid(string path, string problem, string fix = "write it with numpy.save")
        => new($"{path}: {problem}; {fix}.");

    /// <summary>
    /// A Python dict literal of 'key': value entries, comma-separated (a trailing comma allowed), then padding. A value is
    /// a quoted string, a parenthesized tuple or a bare word (True, 3.5): enough to name what is wrong with one.
    /// </summary>
    [GeneratedRegex(@"^\{\s*(?:'(?<key>[^']*)'\s*:\s*(?<value>'[^']*'|\([^()]*\)|[^\s,'(){}]+)\s*(?:,\s*|(?=\})))*\}\s*$")]
    private static partial Regex HeaderPattern();
}
