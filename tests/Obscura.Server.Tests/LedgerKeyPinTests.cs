using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Ledger;
using Obscura.Server.Hosting;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// <c>Obscura:LedgerPublicKeyFile</c> pins the ledger's key outside the data folder: a key swapped into the folder (to
/// re-sign a rewritten ledger, under which the witness's head would look foreign and be ignored) stops the server.
/// </summary>
public sealed class LedgerKeyPinTests
{
    [Fact]
    public void A_server_whose_data_folder_key_is_not_the_pinned_key_does_not_start()
    {
        using var pins = new TempDirectory();
        using var foreign = LedgerSigningKey.Generate();
        var pin = Path.Combine(pins.Path, "pinned.pub.pem");
        File.WriteAllText(pin, foreign.VerificationKey.ExportPem());
        using var server = new PinnedServer(pin);

        var refused = Record.Exception(() => server.Services.GetRequiredService<AuditLedger>());
        Assert.NotNull(refused);
        Assert.Contains("is not the pinned key", Messages(refused), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_whose_data_folder_key_is_the_pinned_key_starts_and_decides()
    {
        using var pins = new TempDirectory();
        var pin = Path.Combine(pins.Path, "pinned.pub.pem");
        using var server = new PinnedServer(pin);

        // The folder's key is made on first open; pin its public half, as an installation would, then start.
        using (var folder = DataFolder.Open(server.DataDirectory))
        {
            File.WriteAllText(pin, folder.SigningKey.VerificationKey.ExportPem());
        }

        using var controller = server.As(Governance.Access.Role.Controller);
        Assert.True((await controller.GetAsync("/v1/purposes", TestContext.Current.CancellationToken)).IsSuccessStatusCode);
    }

    [Fact]
    public void A_pin_file_that_is_not_a_public_key_is_refused_with_its_setting_named()
    {
        using var pins = new TempDirectory();
        using var key = LedgerSigningKey.Generate();
        var pin = Path.Combine(pins.Path, "garbage.pem");
        File.WriteAllText(pin, "not a key");

        var refused = Assert.Throws<InvalidOperationException>(() => LedgerKeyPin.Ensure(key, pin));
        Assert.Contains("Obscura:LedgerPublicKeyFile", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => LedgerKeyPin.Ensure(key, Path.Combine(pins.Path, "missing.pem")));
        LedgerKeyPin.Ensure(key, null);
    }

    private static string Messages(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Messages(e.InnerException);

    private sealed class PinnedServer(string pin) : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Obscura:LedgerPublicKeyFile", pin);
    }
}
