using Microsoft.Extensions.Options;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Roles;
using Obscura.Server.Hosting;
using Obscura.Storage;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// Protected verification's keys for the controller and the DPO: the provider's key generation(s), the decisions made
/// under each key, the key holder's limits and its latest refusals and probing flags. Read from the key holder's folder
/// without opening it (no key is created by looking, no secret is read); nothing here is a score or a decision.
/// </summary>
internal sealed class VerificationModel(DataFolder folder, IOptions<ObscuraOptions> options, ILogger<VerificationModel> log) : ConsolePageModel
{
    /// <summary>The latest refusals and flags shown.</summary>
    public const int EventsShown = 50;

    public KeyHolderOverview? Overview { get; private set; }

    /// <summary>Whether the key holder is a separate service (its state is on its own machine).</summary>
    public bool Separated => options.Value.Separated;

    /// <summary>The decision threshold (cosine similarity) this server verifies at.</summary>
    public double Threshold => options.Value.VerificationThreshold;

    /// <summary>The key holder's limits as this server configures them (embedded deployment).</summary>
    public DecisionLimits Limits => ObscuraServer.Limits(options.Value);

    public void OnGet()
    {
        if (Separated)
        {
            return;
        }

        try
        {
            Overview = ProtectedVerificationHost.ReadKeyHolderOverview(Path.Combine(folder.Path, "biometrics"), EventsShown);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The message names files: it stays in the server's log.
            log.LogError(e, "The console could not read the key holder's state.");
            Error = $"The key holder's state cannot be read ({e.GetType().Name}): it is missing, altered or of an earlier layout, and no decision is made under an affected key. See the server's log.";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
    }

    /// <summary>Decisions made under <paramref name="encryptionKeyId"/>, if the state has the key.</summary>
    public long? DecisionsUnder(string encryptionKeyId) =>
        Overview?.Decisions.Keys.FirstOrDefault(k => k.EncryptionKeyId == encryptionKeyId)?.Decisions;
}
