using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TileDsl.Tests")]
