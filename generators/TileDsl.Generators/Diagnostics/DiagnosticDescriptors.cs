using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TileDsl.Generators.Diagnostics;

/// <summary>Every diagnostic of TileDsl's generator and analyzer. Documented in docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TileDsl";

    public static readonly DiagnosticDescriptor KernelNotStatic = Error("TD0001",
        "Tile kernel must be static",
        "Tile kernel '{0}' must be static: write 'public static void {0}(...)'");

    public static readonly DiagnosticDescriptor KernelGeneric = Error("TD0002",
        "Tile kernel must not be generic",
        "Tile kernel '{0}' must not be generic or sit in a generic type: use Ptr<float>, Ptr<double> or Ptr<int> parameters, one kernel per element type");

    public static readonly DiagnosticDescriptor TypeNotPartial = Error("TD0003",
        "Type containing a tile kernel must be partial",
        "Type '{0}' contains tile kernel '{1}' and must be declared 'partial' (and so must every type around it), so the generator can add the launcher");

    public static readonly DiagnosticDescriptor ParameterModifier = Error("TD0004",
        "Kernel parameter must be passed by value",
        "Parameter '{0}' of tile kernel '{1}' has the modifier '{2}': kernel parameters are passed by value; write results through a Ptr<T> parameter with Store");

    public static readonly DiagnosticDescriptor ParameterType = Error("TD0005",
        "Unsupported kernel parameter type",
        "Parameter '{0}' has type '{1}': a tile kernel takes Ptr<float>, Ptr<double>, Ptr<int>, Ptr<long>, Ptr<Half>, Ptr<BFloat16>, int, long, float, double or bool parameters (pass a 16-bit scalar as float)");

    public static readonly DiagnosticDescriptor ConstexprParameter = Error("TD0006",
        "Invalid [Constexpr] parameter",
        "[Constexpr] parameter '{0}' {1}");

    public static readonly DiagnosticDescriptor KernelReturnsValue = Error("TD0007",
        "Tile kernel must return void",
        "Tile kernel '{0}' must return void: write its results through Ptr<T> parameters with Store");

    public static readonly DiagnosticDescriptor UnsupportedStatement = Error("TD0010",
        "Unsupported statement in a tile kernel",
        "{0} is not supported in a tile kernel: {1}");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error("TD0011",
        "Unsupported expression in a tile kernel",
        "{0} is not supported in a tile kernel: {1}");

    public static readonly DiagnosticDescriptor NotDslMethod = Error("TD0012",
        "Call to a method outside the tile language",
        "'{0}' is not a TileDsl op: a tile kernel may call only the ops of TileDsl.Tl and the operators of Tile<T>, Ptr<T> and PtrTile<T>; inline the code of '{0}' or write it with those ops");

    public static readonly DiagnosticDescriptor KernelCall = Error("TD0013",
        "Tile kernel calls a tile kernel",
        "Tile kernel '{0}' calls tile kernel '{1}'{2}: kernels cannot call kernels; launch them one after the other from the host");

    public static readonly DiagnosticDescriptor NotConstant = Error("TD0014",
        "Value must be a compile-time constant",
        "{0} must be a compile-time constant: use a literal, a const, or a [Constexpr] parameter");

    public static readonly DiagnosticDescriptor NotPowerOfTwo = Error("TD0015",
        "Tile dimension must be a power of two",
        "{0} is {1}, which is not a positive power of two: tile dimensions are powers of two (mask off the rest with a Load/Store mask)");

    public static readonly DiagnosticDescriptor ShapeMismatch = Error("TD0016",
        "Tile shapes cannot be broadcast together",
        "Cannot broadcast shapes {0} and {1} in '{2}': each dimension must be equal or 1 (use x[.., None] or x[None, ..] to add an axis)");

    public static readonly DiagnosticDescriptor DotShape = Error("TD0032",
        "Dot operand shapes do not match",
        "Dot multiplies a [M, K] tile by a [K, N] tile into [M, N]; got {0} and {1}{2}: transpose an operand with Trans(x) or change the block sizes");

    public static readonly DiagnosticDescriptor TooManyPointers = Error("TD0033",
        "Too many pointer parameters",
        "Tile kernel '{0}' has {1} Ptr<T> parameters; an ILGPU kernel takes at most {2} views (scalars are packed into one struct): pass fewer buffers, e.g. one buffer with offsets into it");

    public static readonly DiagnosticDescriptor RankTooHigh = Error("TD0017",
        "Tile rank above 2",
        "{0} would make a tile of rank {1}: tiles have at most 2 dimensions");

    public static readonly DiagnosticDescriptor UnsupportedType = Error("TD0018",
        "Unsupported element type",
        "Type '{0}' is not supported in a tile kernel: use int, long, float, double, bool, Half or BFloat16 values and tiles of them");

    public static readonly DiagnosticDescriptor LoopForm = Error("TD0019",
        "Unsupported loop form",
        "{0}: write a runtime loop as 'for (int i = start; i < end; i += step)' and an unrolled loop as 'foreach (var i in StaticRange(start, end))'");

    public static readonly DiagnosticDescriptor LoopCarriedType = Error("TD0020",
        "Loop-carried variable changes shape",
        "Variable '{0}' has shape {1} before the loop and {2} at the end of its body: a variable carried across iterations keeps its shape (broadcast it before the loop)");

    public static readonly DiagnosticDescriptor SharedMemoryBudget = Error("TD0021",
        "Kernel exceeds the shared-memory budget",
        "Tile kernel '{0}' ({1}) needs {2} bytes of shared memory (layout conversions, Dot operands, reductions); a program instance has {3}: use smaller blocks");

    public static readonly DiagnosticDescriptor ConstexprNotCompiled = Error("TD0022",
        "Constexpr argument has no compiled specialization",
        "{0} = {1} has no compiled specialization; compiled values: {2}. Add {1} to the [Constexpr(...)] attribute of '{0}'.");

    public static readonly DiagnosticDescriptor NumWarps = Error("TD0023",
        "Invalid NumWarps",
        "NumWarps of tile kernel '{0}' is {1}: use a power of two from 1 to 32");

    public static readonly DiagnosticDescriptor MinProgramsPerSM = Error("TD0037",
        "Invalid MinProgramsPerSM",
        "MinProgramsPerSM of tile kernel '{0}' is {1}: use 0 (no hint) or a count from 1 to 32");

    public static readonly DiagnosticDescriptor NumStages = Error("TD0040",
        "Invalid NumStages",
        "NumStages of tile kernel '{0}' is {1}: use 1 (no pipelining) or a count of stages from 2 to 8");

    public static readonly DiagnosticDescriptor TooManySpecializations = Error("TD0029",
        "Too many constexpr specializations",
        "Tile kernel '{0}' has {1} constexpr combinations; at most {2} are compiled: list fewer [Constexpr] values");

    public static readonly DiagnosticDescriptor TileTooLarge = Error("TD0030",
        "Tile too large for the program's threads",
        "{0} of shape {1} needs {2} registers per thread with {3} threads; at most {4}: use smaller blocks or raise NumWarps");

    public static readonly DiagnosticDescriptor UnrollTooLong = Error("TD0031",
        "StaticRange too long to unroll",
        "StaticRange({0}, {1}) unrolls {2} iterations; at most {3}: use a runtime 'for' loop");

    public static readonly DiagnosticDescriptor ElementTypeNotSupported = Error("TD0034",
        "Op not defined for the element type",
        "'{0}' is not defined for {1}: {2}");

    public static readonly DiagnosticDescriptor TileFunction = Error("TD0035",
        "Unsupported [TileFunction] method",
        "[TileFunction] '{0}' {1}");

    public static readonly DiagnosticDescriptor Combiner = Error("TD0038",
        "Unsupported combiner",
        "The combiner of {0} {1}: {2}");

    public static readonly DiagnosticDescriptor UnsupportedAtomicScope = Error("TD0041",
        "Unsupported atomic scope",
        "AtomicScope.Sys is not available: ILGPU's atomics are device-scoped, so the host and other devices are not guaranteed to see this update as atomic; use AtomicScope.Gpu (the default) or AtomicScope.Cta, and let the host read the results after the kernel");

    public static readonly DiagnosticDescriptor Condition = Error("TD0042",
        "Unsupported condition",
        "The condition of {0} {1}: {2}");

    public static readonly DiagnosticDescriptor Tf32Shape = Error("TD0045",
        "tf32 Dot shape not a multiple of 16",
        "Dot {0} × {1} at InputPrecision.Tf32 runs on tensor cores, which take M, N and K in multiples of 16: make the block sizes multiples of 16, or use InputPrecision.Ieee (FMA units)");

    public static readonly DiagnosticDescriptor Tuple = Error("TD0046",
        "Unsupported use of a tuple",
        "{0} {1}: {2}");

    public static readonly DiagnosticDescriptor InternalError = Error("TD0036",
        "The generator failed on this kernel",
        "The TileDsl generator failed while {1} tile kernel '{0}' ({2}); the other kernels are not affected. Please report this with the kernel's source.");

    public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = typeof(DiagnosticDescriptors)
        .GetFields()
        .Select(f => f.GetValue(null))
        .OfType<DiagnosticDescriptor>()
        .ToDictionary(d => d.Id);

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: $"docs/diagnostics.md#{id.ToLowerInvariant()}");
}
