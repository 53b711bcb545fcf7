using Obscura.Governance.Ledger;

namespace Obscura.Server.Hosting;

/// <summary>The check of <see cref="ObscuraOptions.LedgerPublicKeyFile"/>: the data folder's ledger key must be the pinned one.</summary>
internal static class LedgerKeyPin
{
    /// <summary>Does nothing without a pinned file; otherwise throws unless <paramref name="signingKey"/> is the key in it.</summary>
    /// <exception cref="InvalidOperationException">The file cannot be read, holds no P-256 public key, or holds another key.</exception>
    public static void Ensure(LedgerSigningKey signingKey, string? publicKeyFile)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        if (string.IsNullOrWhiteSpace(publicKeyFile))
        {
            return;
        }

        LedgerVerificationKey pinned;
        try
        {
            pinned = LedgerVerificationKey.FromPem(File.ReadAllText(publicKeyFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"The pinned ledger key (Obscura:LedgerPublicKeyFile = '{publicKeyFile}') cannot be read as a PEM P-256 public key: {e.Message}", e);
        }

        using (pinned)
        {
            if (!pinned.SubjectPublicKeyInfo.AsSpan().SequenceEqual(signingKey.VerificationKey.SubjectPublicKeyInfo))
            {
                throw new InvalidOperationException($"The ledger key in the data folder ({signingKey.KeyId}) is not the pinned key ({pinned.KeyId}, from '{publicKeyFile}'): the data folder's key was replaced or the wrong folder is used. The server does not start; restore the key or check the setting.");
            }
        }
    }
}
