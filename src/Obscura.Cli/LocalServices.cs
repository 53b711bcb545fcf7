using Obscura.Biometrics.Roles;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Budgets;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Storage;
using Obscura.Vault;

namespace Obscura.Cli;

/// <summary>The domain services over a data folder, for commands run without <c>--server</c>.</summary>
internal sealed class LocalServices : IDisposable
{
    private readonly AuditLedger _ledger;
    private TrainingDataVault? _vault;

    public LocalServices(string dataDirectory, string? database, double? verificationThreshold = null)
    {
        // Checked before anything runs, for every command: a consent withdrawal must not record the withdrawal and then
        // fail to shred the enrolment because the face-verification setting is wrong.
        var threshold = CheckedThreshold(verificationThreshold ?? VerificationThreshold);

        Folder = DataFolder.Open(dataDirectory, string.IsNullOrWhiteSpace(database) ? Environment.GetEnvironmentVariable(DatabaseVariable) : database);
        var ledger = new AuditLedger(Folder.SigningKey, TimeProvider.System);
        _ledger = ledger;
        PrivacyBudgets = new PrivacyBudgetLedger(Folder.Store, ledger, TimeProvider.System);
        Governance = new GovernanceService(Folder.Store, ledger, TimeProvider.System);
        Accountability = new AccountabilityService(Folder.Store, ledger, TimeProvider.System);
        Ledger = new LedgerService(Folder.Store, ledger);
        Keys = new ApiKeys(Folder.Store, ledger, TimeProvider.System);
        Verification = new Lazy<ProtectedFaceVerification>(() => ProtectedVerificationHost.Open(
            System.IO.Path.Combine(Folder.Path, "biometrics"), Governance, new AuditTrail(Folder.Store, ledger), threshold));
        var user = new string(Environment.UserName.Where(char.IsAsciiLetterOrDigit).Take(40).ToArray());
        Actor = Actor.Parse("cli:" + (user.Length == 0 ? "local" : user));
    }

    public DataFolder Folder { get; }

    /// <summary>The services over the data folder and database that <paramref name="result"/>'s <c>--data</c> and <c>--database</c> name.</summary>
    public static LocalServices Open(System.CommandLine.ParseResult result) =>
        new(result.GetValue(CliOptions.Data)!, result.GetValue(CliOptions.Database));

    /// <summary>The environment variable naming the governance database (the server's <c>Obscura:Database</c>): unset for the data folder's SQLite file, or a postgres:// URI.</summary>
    public const string DatabaseVariable = "Obscura__Database";

    /// <summary>The audit trail over this folder's ledger, for commands that record what they did with personal data.</summary>
    public AuditTrail Audit => new(Folder.Store, _ledger);

    /// <summary>
    /// Records that an analysis read training data for <paramref name="purpose"/>: a Read of <c>training-data</c> from
    /// <paramref name="from"/> to <paramref name="to"/>, referencing the first 32 hex digits of the printed report's
    /// SHA-256. Returns that reference.
    /// </summary>
    public async Task<string> RecordAnalysisAsync(PurposeId purpose, string from, string to, string report, CancellationToken cancellationToken)
    {
        var reference = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(report)))[..32];
        await Audit.RecordAsync([new AuditEvent(Actor.Value, AuditAction.Read, TrainingData, purpose: purpose, from: from, to: to, reference: reference)], cancellationToken);
        return reference;
    }

    /// <summary>The folder's registered evaluation and audit reports, recorded in this folder's ledger.</summary>
    public Obscura.Storage.Reports.RegisteredReports Reports => new(Folder.Path, Folder.Store, _ledger);

    private static readonly DataCategory TrainingData = DataCategory.Parse("training-data");

    public GovernanceService Governance { get; }

    public LedgerService Ledger { get; }

    /// <summary>The accountability documents of purposes and the visitors' objections.</summary>
    public AccountabilityService Accountability { get; }

    public ApiKeys Keys { get; }

    /// <summary>Differential-privacy budgets per dataset and purpose.</summary>
    public PrivacyBudgetLedger PrivacyBudgets { get; }

    /// <summary>The embedded protected verification (roles in this process), opened on first use; same folder and threshold as the server's default.</summary>
    public Lazy<ProtectedFaceVerification> Verification { get; }

    /// <summary>Whether protected verification is in use here: opened in this process, or enrolments made before.</summary>
    public bool BiometricsInUse =>
        Verification.IsValueCreated
        || File.Exists(System.IO.Path.Combine(ProtectedVerificationHost.CaptureDirectory(System.IO.Path.Combine(Folder.Path, "biometrics")), "keys.db"));

    /// <summary>After a consent withdrawal or objection: removes the subject's enrolment if they may no longer be processed.</summary>
    public async Task<Reply> ShredIfWithdrawnAsync(Outcome<ConsentStatus> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Succeeded && BiometricsInUse)
        {
            await Verification.Value.ShredIfWithdrawnAsync(Actor.Value, outcome.Value.Subject.Value, cancellationToken);
        }

        return Reply.Of(outcome);
    }

    /// <summary>The environment variable naming the vault's KEK folder (the server's <c>Obscura:VaultKeyEncryptionKeyDirectory</c>).</summary>
    public const string VaultKekVariable = "Obscura__VaultKeyEncryptionKeyDirectory";

    /// <summary>
    /// The training-data vault in the folder's <c>vault</c> subfolder (its catalogue in PostgreSQL when the governance
    /// database is), opened (and recovered) on first use, with its KEK
    /// folder from <see cref="VaultKekVariable"/> when set, as the server takes it from its configuration.
    /// </summary>
    public async Task<TrainingDataVault> VaultAsync(CancellationToken cancellationToken) =>
        _vault ??= await TrainingDataVault.OpenAsync(
            System.IO.Path.Combine(Folder.Path, "vault"),
            new VaultOptions
            {
                KeyEncryptionKeyFolder = Environment.GetEnvironmentVariable(VaultKekVariable) is { Length: > 0 } kek ? kek : null,
                PostgresCatalog = (Folder.Store as Obscura.Storage.Postgres.PostgresGovernanceStore)?.DataSource, // with the governance database, as on the server
                PostgresCatalogLocation = Folder.Store.Location,
            },
            Governance,
            new AuditTrail(Folder.Store, _ledger),
            TimeProvider.System,
            cancellationToken);

    /// <summary>Returns a threshold the exact decision supports; anything else is a command-line error.</summary>
    private static double CheckedThreshold(double threshold) =>
        threshold >= Biometrics.Protection.ProtectedTemplateScheme.MinimumThreshold && threshold < 1
            ? threshold
            : throw new CliFailure(ExitCodes.Usage, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The verification threshold is a cosine similarity from {Biometrics.Protection.ProtectedTemplateScheme.MinimumThreshold:F3} up to (not including) 1, not {threshold}."));

    /// <summary>The environment variable that sets the verification threshold, named as the server's <c>Obscura:VerificationThreshold</c> setting.</summary>
    public const string VerificationThresholdVariable = "Obscura__VerificationThreshold";

    /// <summary>
    /// The cosine threshold of local verification: <see cref="VerificationThresholdVariable"/> when set (use the
    /// embedding model's calibrated threshold, <c>obscura models list</c>), else the server's default 0.5, so local and
    /// remote verification decide alike when both are configured alike.
    /// </summary>
    /// <exception cref="CliFailure">The variable is not a number.</exception>
    public static double VerificationThreshold =>
        Environment.GetEnvironmentVariable(VerificationThresholdVariable) is not { Length: > 0 } text
            ? 0.5
            : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new CliFailure(ExitCodes.Usage, $"{VerificationThresholdVariable} is not a number: '{text}'.");

    /// <summary>Who local commands act as in the ledger: the operating-system user, since file access is the credential.</summary>
    public Actor Actor { get; }

    public void Dispose()
    {
        if (Verification.IsValueCreated)
        {
            Verification.Value.Dispose();
        }

        _vault?.Dispose();
        Folder.Dispose();
    }
}
