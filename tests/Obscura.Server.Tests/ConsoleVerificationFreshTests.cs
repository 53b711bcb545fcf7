using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>The verification page on a server that never enrolled anyone: looking creates no provider key.</summary>
public sealed class ConsoleVerificationFreshTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Opening_the_page_before_any_enrolment_creates_no_provider_key()
    {
        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var page = await auditor.Http.GetStringAsync("/console/verification", TestContext.Current.CancellationToken);
        Assert.Contains("No provider key exists yet", page, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "biometrics", "keyholder", "provider.json")));
    }
}
