using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Storage.Sqlite;
using Obscura.Vault;

namespace Obscura.Benchmarks;

/// <summary>
/// The training-data vault on this machine's disk, with a real SQLite governance core and ledger: ingest and read of
/// 100 KB images (one blob per operation, each durable and in the ledger), and crypto-shredding 10^5 subjects in one
/// call. MB/s = 0.1 / mean seconds for the first two rows.
/// </summary>
public class VaultBenchmarks
{
    private const int ImageBytes = 100 * 1024;
    private const int ShredSubjects = 100_000;
    private string _directory = null!;
    private SqliteGovernanceStore _store = null!;
    private LedgerSigningKey _signingKey = null!;
    private TrainingDataVault _vault = null!;
    private byte[] _image = null!;
    private string[] _stored = null!;
    private int _next;
    private SubjectId[] _shredSubjects = null!;
    private SubjectId _subject;

    internal static PurposeDefinition Purpose { get; } = new(
        PurposeId.Parse("identity-verification"), "Identity verification", "Benchmark purpose.", LawfulBasis.Consent, SpecialCategoryCondition.ExplicitConsent,
        ["customers"], [DataCategory.Parse("face-image"), DataCategory.Parse("biometric-template")], [ProcessingPractice.BiometricVerification],
        new Organisation("Example Bank ASA", "privacy@bank.example", "NO"), [], RetentionPeriod.FromDays(365), []);

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("obscura-vault-bench-").FullName;
        _store = SqliteGovernanceStore.Open(Path.Combine(_directory, "obscura.db"));
        _signingKey = LedgerSigningKey.Generate();
        var ledger = new AuditLedger(_signingKey, TimeProvider.System);
        var governance = new GovernanceService(_store, ledger, TimeProvider.System);
        var admin = Actor.Parse("bench:admin");
        var registered = governance.RegisterPurposeAsync(admin, Purpose, CancellationToken.None).GetAwaiter().GetResult();
        if (!registered.Succeeded)
        {
            throw new InvalidOperationException(registered.Error.Message);
        }

        var subject = governance.RegisterSubjectAsync(admin, null, CancellationToken.None).GetAwaiter().GetResult().Value!.Id;
        _subject = subject;
        governance.GiveConsentAsync(admin, new ConsentGrant(subject, Purpose.Id, "v1", true, "bench"), CancellationToken.None).GetAwaiter().GetResult();
        _vault = TrainingDataVault.OpenAsync(Path.Combine(_directory, "vault"), governance, new AuditTrail(_store, ledger), TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult();
        _image = RandomNumberGenerator.GetBytes(ImageBytes);
        _stored = [.. Enumerable.Range(0, 64).Select(_ => Ingest(_subject))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vault.Dispose();
        _store.Dispose();
        _signingKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "ingest 100 KB image")]
    public string IngestImage() => Ingest(_subject);

    [Benchmark(Description = "read 100 KB image")]
    public int ReadImage() =>
        _vault.ReadAsync("bench:reader", _stored[_next++ % _stored.Length], Purpose.Id, CancellationToken.None).GetAwaiter().GetResult().Value!.Payload.Length;

    [IterationSetup(Target = nameof(ShredManySubjects))]
    public void CreateKeys()
    {
        _shredSubjects = [.. Enumerable.Range(0, ShredSubjects).Select(_ => SubjectId.Parse($"shred-{Guid.NewGuid():N}"))];
        _vault.CreateKeysForBenchmark(_shredSubjects);
    }

    [Benchmark(Description = "crypto-shred 10^5 subjects")]
    [InvocationCount(1)]
    public int ShredManySubjects() =>
        _vault.ShredSubjectsAsync("bench:dpo", _shredSubjects, "erasure", null, CancellationToken.None).GetAwaiter().GetResult().Value;

    private string Ingest(SubjectId subject)
    {
        var outcome = _vault.IngestAsync("bench:ingest", new VaultIngestRequest(subject, Purpose.Id, _image, DateTimeOffset.UtcNow, "bench-camera", "image/jpeg", DataCategory.Parse("face-image")), CancellationToken.None)
            .GetAwaiter().GetResult();
        return outcome.Succeeded ? outcome.Value.Id : throw new InvalidOperationException(outcome.Error.Message);
    }
}
