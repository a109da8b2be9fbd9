using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.Diagnostics;

/// <summary>A source location as plain data (a <see cref="Location"/> holds its syntax tree).</summary>
internal sealed record SourceSite(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static SourceSite From(Location location)
    {
        var lineSpan = location.GetLineSpan();
        return new SourceSite(lineSpan.Path ?? string.Empty, location.SourceSpan, lineSpan.Span);
    }

    public Location ToLocation() => FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A diagnostic as plain data, so it can live in an equatable pipeline model.</summary>
internal sealed record DiagnosticInfo(string Id, SourceSite Site, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SourceSite site, params object[] arguments)
        => new(descriptor.Id, site, arguments.Select(a => a?.ToString() ?? string.Empty).ToEquatableArray());

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(DiagnosticDescriptors.ById[Id], Site.ToLocation(), Arguments.ToArray<object>());
}
