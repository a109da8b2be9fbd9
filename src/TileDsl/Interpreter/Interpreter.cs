using System;

namespace TileDsl;

/// <summary>
/// Runs a tile kernel's own C# body on the host, one program instance after the other, with tile semantics
/// (Triton's <c>TRITON_INTERPRET=1</c>). Generated launchers call it from <c>{Kernel}Kernel.Interpret</c>.
/// </summary>
public static class Interpreter
{
    [ThreadStatic] private static string? kernel;
    [ThreadStatic] private static TileGrid grid;
    [ThreadStatic] private static (int X, int Y, int Z) program;

    internal static string CurrentKernel => kernel ?? throw NotInKernel();

    internal static string CurrentProgram => $"({program.X}, {program.Y}, {program.Z})";

    /// <summary>Runs <paramref name="body"/> once per program instance of <paramref name="launchGrid"/>.</summary>
    public static void Run(string kernelName, TileGrid launchGrid, Action body)
    {
        if (kernel is not null)
            throw new InvalidOperationException($"Kernel '{kernelName}' was launched from inside kernel '{kernel}'.");
        kernel = kernelName;
        grid = launchGrid;
        try
        {
            for (int z = 0; z < launchGrid.Z; z++)
                for (int y = 0; y < launchGrid.Y; y++)
                    for (int x = 0; x < launchGrid.X; x++)
                    {
                        program = (x, y, z);
                        body();
                    }
        }
        finally
        {
            kernel = null;
        }
    }

    internal static int ProgramId(int axis) => Axis(axis, program.X, program.Y, program.Z);

    internal static int NumPrograms(int axis) => Axis(axis, grid.X, grid.Y, grid.Z);

    private static int Axis(int axis, int x, int y, int z)
    {
        _ = CurrentKernel;
        return axis switch
        {
            0 => x,
            1 => y,
            2 => z,
            _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "Program axes are 0, 1 and 2."),
        };
    }

    private static InvalidOperationException NotInKernel()
        => new("Tile ops run inside a kernel: launch it through its generated {Kernel}Kernel.Interpret or Launch method.");
}
