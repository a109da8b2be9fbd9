// In the generator this is an internal type of TileDsl.Generators, so that a project that sees the generator's
// internals (the tests) does not find two TileDsl.InputPrecision.
#if TILEDSL_GENERATOR
namespace TileDsl.Generators;
#else
namespace TileDsl;
#endif

/// <summary>
/// How a Dot of float tiles multiplies (Triton's <c>input_precision</c>). This file is compiled into the runtime and,
/// linked, into the generator.
/// </summary>
#if TILEDSL_GENERATOR
internal
#else
public
#endif
enum InputPrecision
{
    /// <summary>Full float products (IEEE fp32), on FMA units: the default.</summary>
    Ieee,

    /// <summary>
    /// Each operand truncated to TensorFloat-32 (its low 13 mantissa bits dropped, 10 kept: what tensor cores read of an
    /// fp32 value), the products exact and summed in float, on tensor cores (<c>mma</c>/<c>wgmma</c> <c>.tf32</c>):
    /// about 8 times the FMA units' rate, with a relative error of up to 2^-10 per operand.
    /// </summary>
    Tf32,
}
