using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Parsing;

namespace TileDsl.Generators.Emit;

/// <summary>
/// The parameters of a kernel's ILGPU entry points, shared by the launcher and the kernels. ILGPU takes at most 14
/// parameters: with more runtime parameters, the scalars travel in one struct (<see cref="ScalarsStruct"/>). A kernel
/// with vectorized global accesses also takes <see cref="AlignedViews"/>, a bit per view whose base address is
/// 16-byte aligned (the launcher works it out). A kernel with asynchronous copies (<c>cp.async</c> wants addresses,
/// which ILGPU kernels cannot take) also takes each view's device address (<see cref="Addresses"/>).
/// </summary>
internal sealed class KernelSignature
{
    public KernelSignature(KernelModel model, bool alignedViews, bool addresses = false)
    {
        Model = model;
        var names = new Names(model.Parameters.Select(p => p.Name));
        Runtime = model.Parameters.Where(p => p.Kind != ParameterKind.Constexpr).ToList();
        Pointers = Runtime.Where(p => p.Kind == ParameterKind.Pointer).ToList();
        Scalars = Runtime.Where(p => p.Kind == ParameterKind.Scalar).ToList();
        AlignedViews = alignedViews ? names.Unique("alignedViews") : null;
        Addresses = addresses ? Pointers.ToDictionary(p => p.Name, p => names.Unique(Names.Identifier(p.Name).TrimStart('@') + "Address")) : new Dictionary<string, string>();
        PacksScalars = Runtime.Count + (alignedViews ? 1 : 0) + Addresses.Count > KernelModel.MaxKernelParameters;
        // Nested in the launcher class where every type around it is public, else a public type of the namespace
        // (KernelModel.InPublicTypes), named after the types and the kernel.
        ScalarsStruct = model.InPublicTypes ? "Scalars" + model.Overload
            : string.Concat(model.ContainingTypes.Select(t => t.Split(' ').Last() + "_")) + model.MethodName + model.Overload + "Scalars";
        ScalarsArgument = PacksScalars ? names.Unique("scalars") : "";
        Reserved = model.Parameters.Select(p => p.Name).ToList();
        if (AlignedViews is not null) Reserved.Add(AlignedViews);
        Reserved.AddRange(Addresses.Values);
        if (PacksScalars) Reserved.Add(ScalarsArgument);
    }

    public KernelModel Model { get; }

    public List<KernelParameter> Runtime { get; }

    public List<KernelParameter> Pointers { get; }

    public List<KernelParameter> Scalars { get; }

    /// <summary>The name of the aligned-views parameter, or null when the kernel takes none.</summary>
    public string? AlignedViews { get; }

    /// <summary>The names of the views' address parameters, by pointer parameter (empty when the kernel takes none).</summary>
    public Dictionary<string, string> Addresses { get; }

    public bool PacksScalars { get; }

    public string ScalarsStruct { get; }

    public string ScalarsArgument { get; }

    /// <summary>Names the kernels' own locals must not take.</summary>
    public List<string> Reserved { get; }

    /// <summary>The ILGPU kernel's parameters: type and name, in order.</summary>
    public (string Type, string Name)[] Parameters()
    {
        var list = new List<(string, string)>();
        if (PacksScalars)
        {
            list.AddRange(Pointers.Select(p => (p.KernelType, Names.Identifier(p.Name))));
            list.Add((ScalarsStruct, ScalarsArgument));
            return list.ToArray();
        }
        list.AddRange(Runtime.Select(p => (p.KernelType, Names.Identifier(p.Name))));
        list.AddRange(Hidden());
        return list.ToArray();
    }

    /// <summary>The parameters the launcher adds: the aligned-views bits, the views' addresses.</summary>
    private IEnumerable<(string Type, string Name)> Hidden()
        => (AlignedViews is null ? Enumerable.Empty<(string, string)>() : new[] { ("int", AlignedViews) })
            .Concat(Pointers.Where(p => Addresses.ContainsKey(p.Name)).Select(p => ("long", Addresses[p.Name])));

    /// <summary>The fields of the scalars struct: the scalar parameters, then the aligned-views bits and the addresses.</summary>
    public IEnumerable<(string Type, string Name)> PackedFields()
        => Scalars.Select(p => (p.KernelType, Names.Identifier(p.Name))).Concat(Hidden());
}
