using System;
using System.Reflection;
using ILGPU.Runtime;
using Xunit;

namespace TileDsl.Tests.Support;

/// <summary>Which generated kernels ran: the launchers' kernel caches, read by reflection.</summary>
internal static class KernelCaches
{
    /// <summary>Whether the kernel cache <paramref name="field"/> of a generated launcher has loaded its kernel on <paramref name="accelerator"/>.</summary>
    public static bool Loaded(Type launcher, string field, Accelerator accelerator)
    {
        var cache = launcher.GetField(field, BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        Assert.NotNull(cache);
        return (bool)cache!.GetType().GetMethod("IsLoadedOn")!.Invoke(cache, new object[] { accelerator })!;
    }
}
