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

/// <summary>A role that calls role services in a separated deployment, named by the credential it presents.</summary>
public enum CallingRole
{
    /// <summary>The capture side: the full API process (<see cref="ServerRole.All"/>) that drives onboarding and verification.</summary>
    Capture,

    /// <summary>The key-holder role.</summary>
    KeyHolder,

    /// <summary>The comparison role.</summary>
    Comparison,

    /// <summary>The storage role.</summary>
    Storage,
}

/// <summary>Server settings, section <c>Obscura</c> (or <c>--data</c> on the command line for the data folder).</summary>
public sealed class ObscuraOptions : IValidatableObject
{
    /// <summary>The shortest role credential accepted.</summary>
    public const int MinRoleCredentialLength = 32;

    /// <summary>Configuration section name.</summary>
    public const string Section = "Obscura";

    /// <summary>The data folder: database and ledger signing key. Created on first run.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The governance database: empty for the embedded SQLite file in <see cref="DataDirectory"/> (the default), or a
    /// <c>postgres://user:password@host:port/database</c> URI for PostgreSQL (<c>--database</c>, <c>Obscura__Database</c>).
    /// The ledger's signing key stays in the data folder either way.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>
    /// A PEM file with the ledger's public key, kept outside the data folder (<c>keys/ledger-signing.pub.pem</c> copied
    /// elsewhere at installation): when set, the server starts only if the data folder's signing key is this key, so a
    /// key swapped in the data folder (to re-sign a rewritten ledger, and make the witness's head look foreign) stops
    /// the server instead of being trusted. Empty: the key in the data folder is trusted as found.
    /// </summary>
    public string? LedgerPublicKeyFile { get; set; }

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

    /// <summary>
    /// Each API key's score budget per served model, as a share of <c>inputs + 1</c>, the answers with scores that solve a
    /// logistic regression exactly; past it the key gets labels only (<c>QueryMonitorOptions.ScoreAnswerShare</c>, docs/model-privacy.md).
    /// </summary>
    [Range(1e-6, 1e6)]
    public double ModelScoreAnswerShare { get; set; } = 0.1;

    /// <summary>
    /// Minutes between full verifications of the audit ledger by the server (also one at start); a ledger found altered
    /// stops every decision until it is repaired and the server restarted. 0 turns the background verification off.
    /// </summary>
    [Range(0, 7 * 24 * 60)]
    public int LedgerVerifyIntervalMinutes { get; set; } = 60;

    /// <summary>Minutes between runs of the vault's retention job; 0 turns the background job off.</summary>
    [Range(0, 7 * 24 * 60)]
    public int RetentionIntervalMinutes { get; set; } = 60;

    /// <summary>
    /// The cosine-similarity threshold at and above which a protected verification matches: from
    /// <see cref="Biometrics.Protection.ProtectedTemplateScheme.MinimumThreshold"/> (about 0.09) up to, not including, 1.
    /// Set it to the embedding model's calibrated threshold (0.93 for the capture pipeline's dlib ResNet).
    /// </summary>
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

    /// <summary>No longer accepted: the one token shared by every role was replaced by per-role credentials. Start-up fails when it is set.</summary>
    public string? ServiceToken { get; set; }

    /// <summary>Per-key request limits (section <c>Obscura:RateLimit</c>).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Where each new signed tree head is published (section <c>Obscura:Witness</c>); nowhere by default.</summary>
    public WitnessOptions Witness { get; set; } = new();

    /// <summary>When reads recorded in the access log are committed to the ledger (section <c>Obscura:AccessLog</c>).</summary>
    public AccessLogOptions AccessLog { get; set; } = new();

    /// <summary>How this process runs minimisation, training and audit jobs (section <c>Obscura:Jobs</c>).</summary>
    public Obscura.Server.Jobs.JobOptions Jobs { get; set; } = new();

    /// <summary>
    /// This process's own role credential, sent as <c>Authorization: Bearer …</c> when it calls a role service (the
    /// full API of a separated deployment as <see cref="CallingRole.Capture"/>, the comparison role as
    /// <see cref="CallingRole.Comparison"/>); at least 32 characters. Set it through the environment
    /// (<c>Obscura__RoleCredential</c>), not the command line.
    /// </summary>
    public string? RoleCredential { get; set; }

    /// <summary>
    /// In a role service: for each calling role (<c>Capture</c>, <c>KeyHolder</c>, <c>Comparison</c>, <c>Storage</c>),
    /// the SHA-256 (64 hex digits) of the credential it presents. Only the hashes are held here; which role may call
    /// which route is fixed by the role matrix.
    /// </summary>
    public Dictionary<string, string> RoleCredentials { get; set; } = [];

    /// <summary>The key-holder role: the comparison role's attestation public key (base64 SubjectPublicKeyInfo, P-256), pinned.</summary>
    public string? ComparisonAttestationKey { get; set; }

    /// <summary>Decisions one subject may get within <see cref="DecisionWindowMinutes"/> (key holder).</summary>
    [Range(1, 1_000_000)]
    public int DecisionsPerSubject { get; set; } = 20;

    /// <summary>Decisions one capture service may get within <see cref="DecisionWindowMinutes"/> (key holder).</summary>
    [Range(1, 100_000_000)]
    public int DecisionsPerCaller { get; set; } = 2000;

    /// <summary>The window of the decision rate limits and the probing monitor, in minutes (key holder).</summary>
    [Range(1, 7 * 24 * 60)]
    public int DecisionWindowMinutes { get; set; } = 60;

    /// <summary>Whether the full API reaches the biometric roles over HTTP rather than embedding them.</summary>
    public bool Separated => Role == ServerRole.All && (KeyHolderUrl ?? ComparisonUrl ?? StorageUrl) is not null;

    /// <summary>Largest request body a role service accepts: ciphertexts are hundreds of kilobytes.</summary>
    public long EffectiveMaxRequestBodyBytes => Role == ServerRole.All ? MaxRequestBodyBytes : Math.Max(MaxRequestBodyBytes, 4 * 1024 * 1024);

    /// <summary>The SHA-256 of each configured calling role's credential.</summary>
    /// <exception cref="FormatException">A role or hash is malformed (start-up validation reports it first).</exception>
    public IReadOnlyDictionary<CallingRole, byte[]> CallerCredentialHashes() =>
        RoleCredentials.ToDictionary(
            p => Enum.TryParse<CallingRole>(p.Key, ignoreCase: false, out var role) && Enum.IsDefined(role) ? role : throw new FormatException($"Obscura:RoleCredentials:{p.Key} names no calling role."),
            p => Convert.FromHexString(p.Value));

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(ServiceToken))
        {
            yield return new ValidationResult(
                "Obscura:ServiceToken is no longer accepted: each role now has its own credential. In each calling process (the full API, the comparison role) set "
                + "Obscura:RoleCredential (its own secret, at least 32 characters); in each role service set Obscura:RoleCredentials:<Capture|Comparison|…> to the SHA-256 "
                + "(hex) of each caller's credential; and remove Obscura:ServiceToken. See docs/server.md.",
                [nameof(ServiceToken)]);
        }

        if (!(VerificationThreshold >= Biometrics.Protection.ProtectedTemplateScheme.MinimumThreshold && VerificationThreshold < 1))
        {
            yield return new ValidationResult(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Obscura:VerificationThreshold is a cosine similarity from {Biometrics.Protection.ProtectedTemplateScheme.MinimumThreshold:F3} up to (not including) 1."),
                [nameof(VerificationThreshold)]);
        }

        var calls = Separated || Role == ServerRole.Comparison;
        if (calls && (RoleCredential?.Length ?? 0) < MinRoleCredentialLength)
        {
            yield return new ValidationResult($"This process calls role services: set Obscura:RoleCredential (its own secret, at least {MinRoleCredentialLength} characters).", [nameof(RoleCredential)]);
        }

        if (Role != ServerRole.All)
        {
            foreach (var problem in CheckCallerHashes())
            {
                yield return new ValidationResult(problem, [nameof(RoleCredentials)]);
            }
        }

        if (Role == ServerRole.KeyHolder && !IsAttestationKey(ComparisonAttestationKey))
        {
            yield return new ValidationResult(
                "The key holder pins the comparison role's attestation key: set Obscura:ComparisonAttestationKey to the base64 P-256 public key that `obscura faces attestation-key --data <comparison folder>` prints.",
                [nameof(ComparisonAttestationKey)]);
        }

        if (Separated && (KeyHolderUrl is null || ComparisonUrl is null || StorageUrl is null))
        {
            yield return new ValidationResult("A separated deployment names all three roles: Obscura:KeyHolderUrl, Obscura:ComparisonUrl and Obscura:StorageUrl.", [nameof(KeyHolderUrl)]);
        }

        if (Role == ServerRole.Comparison && KeyHolderUrl is null)
        {
            yield return new ValidationResult("The comparison role fetches its public keys from the key holder: set Obscura:KeyHolderUrl.", [nameof(KeyHolderUrl)]);
        }

        if (Jobs.HeartbeatSeconds >= Jobs.LeaseSeconds)
        {
            yield return new ValidationResult("Obscura:Jobs:HeartbeatSeconds is below Obscura:Jobs:LeaseSeconds, or leases lapse while their jobs run.", [nameof(Jobs)]);
        }

        foreach (var nested in new object[] { RateLimit, Witness, AccessLog, Jobs })
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

    private IEnumerable<string> CheckCallerHashes()
    {
        if (RoleCredentials.Count == 0)
        {
            yield return "A role service admits only known callers: set Obscura:RoleCredentials:<Role> to the SHA-256 (hex) of each calling role's credential.";
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, hash) in RoleCredentials)
        {
            if (!Enum.TryParse<CallingRole>(role, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed))
            {
                yield return $"Obscura:RoleCredentials:{role} names no calling role; use one of {string.Join(", ", Enum.GetNames<CallingRole>())}.";
            }

            if (hash is not { Length: 64 } || !hash.All(char.IsAsciiHexDigit))
            {
                yield return $"Obscura:RoleCredentials:{role} is the SHA-256 of that role's credential: 64 hex digits.";
            }
            else if (!seen.Add(hash))
            {
                yield return $"Obscura:RoleCredentials:{role} repeats another role's hash: every role needs its own credential.";
            }
        }
    }

    private static bool IsAttestationKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return false;
        }

        try
        {
            _ = new Biometrics.Decisions.ComparisonAttestationVerifier(Convert.FromBase64String(base64));
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }
    }
}
