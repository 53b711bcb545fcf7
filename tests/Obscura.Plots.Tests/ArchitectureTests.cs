using System.Reflection;

namespace Obscura.Plots.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void The_plots_library_references_no_other_obscura_assembly_so_any_host_can_use_it()
    {
        var references = typeof(DetPlot).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, n => n.StartsWith("Obscura.", StringComparison.Ordinal) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains("ScottPlot", references);
    }

    [Fact]
    public void Public_series_types_expose_no_setters()
    {
        var mutable = typeof(DetPlot).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } setter && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit))).Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.Empty(mutable);
    }
}
