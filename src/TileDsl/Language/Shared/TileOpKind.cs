namespace TileDsl;

/// <summary>
/// Every op of the tile language, one value each. A DSL method or operator names its op with
/// <see cref="TileOpAttribute"/>; its body is the op's meaning on the host (the interpreter). The generator keys its
/// typing rules (<c>Semantics/</c>) and its lowering (<c>Emit/</c>) by the same value. This file is compiled into the
/// runtime and, linked, into the generator, so both read one list.
/// </summary>
#if TILEDSL_GENERATOR
internal
#else
public
#endif
enum TileOpKind
{
    // Program
    ProgramId,
    NumPrograms,

    // Creating and viewing tiles
    Arange,
    Zeros,
    Full,
    ExpandDims,
    Trans,
    Reshape,
    BroadcastTo,
    StaticRange,

    // Memory
    AddPtr,
    Load,
    Store,
    AtomicAdd,
    AtomicMax,
    AtomicMin,
    AtomicXchg,
    AtomicCas,

    // Elementwise
    Cast,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Neg,
    And,
    Or,
    Xor,
    Not,
    BitNot,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Where,
    Exp,
    Exp2,
    Log,
    Sqrt,
    Abs,
    Maximum,
    Minimum,
    Cdiv,
    Rsqrt,
    Sigmoid,
    Tanh,
    Log2,
    Sin,
    Cos,
    Erf,
    Fma,
    Clamp,
    Randint,
    Rand,
    Randn,

    // Reductions
    Sum,
    Max,
    Min,
    Argmax,
    Argmin,
    Reduce,

    // Scans
    Cumsum,
    Cumprod,
    AssociativeScan,

    // Matrix product
    Dot,
}
