using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TwoSimplicial;

/// <summary>NumPy's .npy format (versions 1–3), little-endian float32 or float64, C order; read as float32.</summary>
internal static partial class Npy
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads an array; any problem is an <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static (float[] Data, int[] Shape) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message}).");
        }
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a .npy file (it does not start with \\x93NUMPY).");
        int major = bytes[6];
        int headerLength, start;
        if (major == 1) (headerLength, start) = (BitConverter.ToUInt16(bytes, 8), 10);
        else if (major is 2 or 3 && bytes.Length >= 12) (headerLength, start) = ((int)BitConverter.ToUInt32(bytes, 8), 12);
        else throw new InvalidDataException($"{path}: .npy format version {major} is not supported (1, 2 or 3).");
        if (start + headerLength > bytes.Length) throw new InvalidDataException($"{path}: the header runs past the end of the file.");
        string header = Encoding.UTF8.GetString(bytes, start, headerLength);

        string descr = Field(DescrPattern(), header, path, "descr");
        if (Field(FortranPattern(), header, path, "fortran_order") != "False")
            throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported; save it with np.ascontiguousarray.");
        var shape = Field(ShapePattern(), header, path, "shape")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int size = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new InvalidDataException($"{path}: dtype '{descr}' is not supported; use float32 ('<f4') or float64 ('<f8')."),
        };
        int offset = start + headerLength;
        if (bytes.Length - offset != count * size)
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) needs {count * size} bytes of data; the file has {bytes.Length - offset}.");
        var data = new float[count];
        if (size == 4) Buffer.BlockCopy(bytes, offset, data, 0, (int)(count * 4));
        else for (long i = 0; i < count; i++) data[i] = (float)BitConverter.ToDouble(bytes, offset + (int)(i * 8));
        return (data, shape);
    }

    /// <summary>Writes a float32 array (version 1.0, header padded to 64 bytes).</summary>
    public static void Write(string path, float[] data, int[] shape)
    {
        string dims = shape.Length == 1 ? shape[0] + "," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write(new byte[] { 1, 0 });
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }

    private static string Field(Regex pattern, string header, string path, string name)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new InvalidDataException($"{path}: the header has no '{name}' entry.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
