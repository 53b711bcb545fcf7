using System.Reflection;

namespace Obscura.Governance.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void The_domain_references_no_storage_http_or_other_obscura_assembly_but_the_pure_privacy_algorithms()
    {
        // The privacy budget ledger composes costs with Obscura.Privacy, which is algorithms only and references nothing.
        var references = typeof(GovernanceService).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, n => n.StartsWith("Obscura.", StringComparison.Ordinal) && n != "Obscura.Privacy");
        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.Data", StringComparison.Ordinal) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        var privacy = Assembly.Load("Obscura.Privacy").GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(privacy, n => n.StartsWith("Obscura.", StringComparison.Ordinal) || n.StartsWith("Microsoft.", StringComparison.Ordinal));
    }

    [Fact]
    public void Storage_depends_on_the_domain_and_never_on_a_host()
    {
        var references = Assembly.Load("Obscura.Storage").GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Obscura.Governance", references);
        Assert.DoesNotContain(references, n => n is "Obscura.Server" or "obscura" || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    /// <summary>Setters the domain declares; an exception's inherited <c>HelpLink</c>, <c>Source</c> and <c>HResult</c> are the runtime's.</summary>
    [Fact]
    public void Public_domain_records_expose_no_setters()
    {
        var mutable = typeof(GovernanceService).Assembly.GetExportedTypes()
            .Where(t => !t.IsInterface && !t.IsEnum && !t.IsAbstract)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.DeclaringType!.Assembly == typeof(GovernanceService).Assembly && p.SetMethod is { IsPublic: true } setter && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit))).Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.Empty(mutable);
    }
}
