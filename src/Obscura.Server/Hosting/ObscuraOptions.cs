using System.ComponentModel.DataAnnotations;

namespace Obscura.Server.Hosting;

/// <summary>What one server process runs.</summary>
public enum ServerRole
{
    /// <summary>The full API (governance, ledger, protected verification); biometric roles embedded unless role URLs are set.</summary>
    All,

    /// <summary>Only the key-management role: the provider's homomorphic secret and sealing keys; seals and decides.</summary>
    KeyHolder,

    /// <summary>Only the comparison role: public evaluation keys; compares and re-encrypts ciphertexts.</summary>
    Comparison,

    /// <summary>Only the storage role: sealed templates; no key at all.</summary>
    Storage,
}

/// <summary>Server settings, section <c>Obscura</c> (or <c>--data</c> on the command line for the data folder).</summary>
public sealed class ObscuraOptions : IValidatableObject
{
    /// <summary>The shortest service token accepted.</summary>
    public const int MinServiceTokenLength = 32;

    /// <summary>Configuration section name.</summary>
    public const string Section = "Obscura";

    /// <summary>The data folder: database and ledger signing key. Created on first run.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Largest blob <c>POST /v1/vault/objects</c> accepts, in bytes (the vault's own limit is 64 MiB).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long VaultMaxBlobBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The folder of the vault key store's key-encryption keys; by default <c>vault/keystore/kek</c> in the data folder.
    /// Crypto-shredding holds against restored data backups only when backups leave this folder out; the CLI reads the
    /// same setting from the environment variable <c>Obscura__VaultKeyEncryptionKeyDirectory</c>.
    /// </summary>
    public string? VaultKeyEncryptionKeyDirectory { get; set; }

    /// <summary>Minutes between runs of the vault's retention job; 0 turns the background job off.</summary>
    [Range(0, 7 * 24 * 60)]
    public int RetentionIntervalMinutes { get; set; } = 60;

    /// <summary>The cosine-similarity threshold at and above which a protected verification matches.</summary>
    [Range(-0.99, 0.99)]
    public double VerificationThreshold { get; set; } = 0.5;

    /// <summary>Whether to create a first controller key (written to <c>bootstrap-admin.key</c> in the data folder) when none exists.</summary>
    public bool CreateBootstrapKey { get; set; } = true;

    /// <summary>What this process runs; <see cref="ServerRole.All"/> by default.</summary>
    public ServerRole Role { get; set; } = ServerRole.All;

    /// <summary>The key-holder service (for the full API in a separated deployment, and for the comparison role).</summary>
    public Uri? KeyHolderUrl { get; set; }

    /// <summary>The comparison service (full API in a separated deployment).</summary>
    public Uri? ComparisonUrl { get; set; }

    /// <summary>The storage service (full API in a separated deployment).</summary>
    public Uri? StorageUrl { get; set; }

    /// <summary>The shared secret role services require as <c>Authorization: Bearer …</c>; at least 32 characters. Set it through the environment (<c>Obscura__ServiceToken</c>), not the command line.</summary>
    public string? ServiceToken { get; set; }

    /// <summary>Per-key request limits (section <c>Obscura:RateLimit</c>).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Where each new signed tree head is published (section <c>Obscura:Witness</c>); nowhere by default.</summary>
    public WitnessOptions Witness { get; set; } = new();

    /// <summary>When reads recorded in the access log are committed to the ledger (section <c>Obscura:AccessLog</c>).</summary>
    public AccessLogOptions AccessLog { get; set; } = new();

    /// <summary>Whether the full API reaches the biometric roles over HTTP rather than embedding them.</summary>
    public bool Separated => Role == ServerRole.All && (KeyHolderUrl ?? ComparisonUrl ?? StorageUrl) is not null;

    /// <summary>Largest request body a role service accepts: ciphertexts are hundreds of kilobytes.</summary>
    public long EffectiveMaxRequestBodyBytes => Role == ServerRole.All ? MaxRequestBodyBytes : Math.Max(MaxRequestBodyBytes, 4 * 1024 * 1024);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var needsToken = Role != ServerRole.All || Separated;
        if (needsToken && (ServiceToken?.Length ?? 0) < MinServiceTokenLength)
        {
            yield return new ValidationResult($"A separated deployment needs Obscura:ServiceToken, at least {MinServiceTokenLength} characters, the same in every process.", [nameof(ServiceToken)]);
        }

        if (Separated && (KeyHolderUrl is null || ComparisonUrl is null || StorageUrl is null))
        {
            yield return new ValidationResult("A separated deployment names all three roles: Obscura:KeyHolderUrl, Obscura:ComparisonUrl and Obscura:StorageUrl.", [nameof(KeyHolderUrl)]);
        }

        if (Role == ServerRole.Comparison && KeyHolderUrl is null)
        {
            yield return new ValidationResult("The comparison role fetches its public keys from the key holder: set Obscura:KeyHolderUrl.", [nameof(KeyHolderUrl)]);
        }

        foreach (var nested in new object[] { RateLimit, Witness, AccessLog })
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(nested, new ValidationContext(nested), results, validateAllProperties: true);
            foreach (var r in results)
            {
                yield return r;
            }
        }

        if (Witness.Url is { } url && url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult("Obscura:Witness:Url is an http(s) URL.", [nameof(Witness)]);
        }
    }
}
