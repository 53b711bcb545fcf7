using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Vault.Tests;

/// <summary>
/// A vault over a real governance core (SQLite or PostgreSQL, ledger, manual clock) with identity verification (consent)
/// and model training (legitimate interests, reusing identity-verification data under a compatible Art. 6(4)
/// assessment). On PostgreSQL the vault's catalogue lives in the governance database too, as the server puts it.
/// </summary>
public sealed class VaultFixture : IAsyncDisposable
{
    public const string Actor = "test:vault";
    private readonly TempDirectory _dir = new();

    private VaultFixture(TrainingDataVault vault) => Vault = vault;

    public GovernanceFixture Governance { get; private set; } = null!;

    public TrainingDataVault Vault { get; private set; }

    public string Folder => Path.Combine(_dir.Path, "vault");

    public static PurposeId Verification => SamplePurposes.IdentityVerification.Id;

    public static PurposeId Training => SamplePurposes.ModelTraining.Id;

    public static DataCategory FaceImage { get; } = DataCategory.Parse("face-image");

    /// <summary>The vault's options: on PostgreSQL, the catalogue in the governance database.</summary>
    public VaultOptions Options => Governance.Store is Obscura.Storage.Postgres.PostgresGovernanceStore postgres
        ? new VaultOptions { PostgresCatalog = postgres.DataSource, PostgresCatalogLocation = postgres.Location }
        : new VaultOptions();

    public static async Task<VaultFixture> CreateAsync(StorageBackend backend = StorageBackend.Sqlite)
    {
        Assert.SkipWhen(backend == StorageBackend.Postgres && PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1: PostgreSQL tests skipped on purpose.");
        var governance = new GovernanceFixture(backend);
        var ct = CancellationToken.None;
        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining, SamplePurposes.StoreAnalytics })
        {
            Assert.True((await governance.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, purpose, ct)).Succeeded);
        }

        var assessment = await governance.Governance.RecordAssessmentAsync(GovernanceFixture.Admin, SamplePurposes.TrainingReuseAssessment, ct);
        Assert.True(assessment.Succeeded, assessment.Error?.Message);
        var fixture = new VaultFixture(null!) { Governance = governance };
        fixture.Vault = await fixture.OpenAsync();
        return fixture;
    }

    /// <summary>Opens the vault folder again (as a restarted process would).</summary>
    public Task<TrainingDataVault> OpenAsync() =>
        TrainingDataVault.OpenAsync(Folder, Options, Governance.Governance, new AuditTrail(Governance.Store, Governance.Ledger), Governance.Clock, CancellationToken.None);

    /// <summary>Opens a second vault over the same folder, with a ledger trail over <paramref name="store"/> (for injecting ledger failures).</summary>
    public Task<TrainingDataVault> OpenWithAsync(Obscura.Governance.Storage.IGovernanceStore store) =>
        TrainingDataVault.OpenAsync(Folder, Options, Governance.Governance, new AuditTrail(store, Governance.Ledger), Governance.Clock, CancellationToken.None);

    /// <summary>The vault's catalogue opened on its own, as another process would (vault.db, or the PostgreSQL tables).</summary>
    internal Internal.VaultCatalog OpenCatalog() => Options.PostgresCatalog is { } source
        ? Internal.VaultCatalog.OpenPostgres(source, Options.PostgresCatalogLocation!, Folder)
        : Internal.VaultCatalog.Open(Path.Combine(Folder, "vault.db"));

    public async Task ReopenAsync()
    {
        Vault.Dispose();
        Vault = await OpenAsync();
    }

    /// <summary>Opens the vault again after its files were replaced (the old instance is already disposed).</summary>
    public async Task ReopenAfterRestoreAsync() => Vault = await OpenAsync();

    /// <summary>A registered subject with explicit consent for identity verification.</summary>
    public async Task<SubjectId> ConsentingSubjectAsync(bool @explicit = true)
    {
        var subject = (await Governance.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, CancellationToken.None)).Value!.Id;
        Assert.True((await Governance.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "notice-v1", @explicit, "mobile-app"), CancellationToken.None)).Succeeded);
        return subject;
    }

    public Task WithdrawAsync(SubjectId subject) =>
        Governance.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, subject, SamplePurposes.IdentityVerification.Id, CancellationToken.None);

    public static VaultIngestRequest Image(SubjectId subject, DateTimeOffset collectedAt, int size = 2048, string site = "oslo", int seed = 1) =>
        new(subject, Verification, Bytes(size, seed), collectedAt, "branch-camera-1", "image/jpeg", FaceImage, new Dictionary<string, string> { ["site"] = site });

    public static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public async Task<VaultObject> IngestAsync(VaultIngestRequest request)
    {
        var outcome = await Vault.IngestAsync(Actor, request, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        return outcome.Value;
    }

    public async ValueTask DisposeAsync()
    {
        Vault.Dispose();
        Governance.Dispose();
        await Task.Yield();
        _dir.Dispose();
    }
}
