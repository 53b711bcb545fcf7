using Obscura.Server.Hosting;
using Obscura.Vault;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// The vault's DPO report (the same as <c>GET /v1/vault/report</c>): what is stored per purpose and when it next
/// expires, the training selections against their minimisation policies, every export, and what was deleted and why.
/// </summary>
internal sealed class VaultModel(VaultAccessor vault, TimeProvider clock) : ConsolePageModel
{
    public VaultReport? Report { get; private set; }

    /// <summary>Now, by the server's clock: an expiry before it means a retention run is due.</summary>
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        try
        {
            Report = (await vault.GetAsync(cancellationToken)).Report();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Only the kind: paths and key names stay in the server's log.
            Error = $"The vault cannot be opened now ({e.GetType().Name}); see the server's log.";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
    }

    /// <summary>Whether objects of <paramref name="stored"/> are past their retention and wait for the next retention run.</summary>
    public bool Overdue(StoredPerPurpose stored) => stored.NextExpiry is { } at && at <= Now;
}
