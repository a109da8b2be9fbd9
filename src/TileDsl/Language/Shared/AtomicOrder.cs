// In the generator these are internal types of TileDsl.Generators, so that a project that sees the generator's
// internals (the tests) does not find two TileDsl.AtomicSem.
#if TILEDSL_GENERATOR
namespace TileDsl.Generators;
#else
namespace TileDsl;
#endif

/// <summary>
/// The memory ordering of an atomic (Triton's <c>sem</c>): how the program's other memory accesses are ordered around
/// it, as seen by the threads of <see cref="AtomicScope"/>. Kernels put fences (ILGPU's <c>MemoryFence</c>) around
/// ILGPU's atomics, which are themselves relaxed. The interpreter runs programs one after another, so every ordering
/// holds there. This file is compiled into the runtime and, linked, into the generator.
/// </summary>
#if TILEDSL_GENERATOR
internal
#else
public
#endif
enum AtomicSem
{
    /// <summary>Acquire and release (Triton's default, <c>"acq_rel"</c>): a fence before the atomic and one after it.</summary>
    AcqRel,

    /// <summary><c>"acquire"</c>: the accesses after the atomic see what the writers it synchronizes with wrote before
    /// their release (a fence after it).</summary>
    Acquire,

    /// <summary><c>"release"</c>: the accesses before the atomic are visible to whoever acquires its value (a fence
    /// before it).</summary>
    Release,

    /// <summary><c>"relaxed"</c>: only the atomicity of the update itself (no fence).</summary>
    Relaxed,
}

/// <summary>
/// The threads an atomic's ordering is guaranteed towards (Triton's <c>scope</c>): <see cref="Gpu"/> (the default) or
/// <see cref="Cta"/> (the program's own threads); the fences are of that level. ILGPU's atomics are device-scoped, so
/// <see cref="Sys"/> (the host and other devices) is rejected at compile time (TD0041).
/// </summary>
#if TILEDSL_GENERATOR
internal
#else
public
#endif
enum AtomicScope
{
    /// <summary><c>"gpu"</c>: every program of the launch (device-level fences).</summary>
    Gpu,

    /// <summary><c>"cta"</c>: the threads of this program (group-level fences; the atomic itself stays device-wide).</summary>
    Cta,

    /// <summary><c>"sys"</c>: the host and peer devices too. Not available: ILGPU 1.5.3 emits no system-scope atomics.</summary>
    Sys,
}
