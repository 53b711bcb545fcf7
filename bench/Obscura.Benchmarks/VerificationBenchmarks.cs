using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;

namespace Obscura.Benchmarks;

/// <summary>
/// 1:1 protected verification at 512 dimensions, one step per row, each on one core: the capture side's transform and
/// probe encryption, the comparison service's sealed, exact encrypted comparison with its blinded set-membership
/// result, and the key holder's exact decision. Rows 4 and 5 compare, in one run, the bare decision (parse and decrypt
/// the result) with the bound one (a ticket from the key holder, the comparison role's attestation, the key holder's
/// checks of attestation, seal, ticket and rate limits in its SQLite state, the decryption, and the answer encrypted to
/// the capture side and opened there).
/// </summary>
public class VerificationBenchmarks
{
    private string _directory = null!;
    private TemplateTransformationKey _transformationKey = null!;
    private FaceTemplate _probe = null!;
    private TransformedTemplate _transformedProbe = null!;
    private CaptureClient _capture = null!;
    private ComparisonService _comparison = null!;
    private ComparisonAttester _attester = null!;
    private KeyHolderService _keyHolder = null!;
    private DecisionKeyHolder _bareDecider = null!;
    private SealedTemplate _reference = null!;
    private byte[] _encryptedProbe = null!;
    private byte[] _comparisonResult = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("obscura-bench-").FullName;
        _attester = ComparisonAttester.Ephemeral();

        // The one-second window keeps the rate-limit counts at what a steady load leaves in the state.
        _keyHolder = KeyHolderService.Open(Path.Combine(_directory, "keyholder"), new KeyHolderOptions(_attester.PublicKey)
        {
            ProviderId = "bench-bank",
            Limits = new DecisionLimits(PerSubject: int.MaxValue, PerCaller: int.MaxValue, Window: TimeSpan.FromSeconds(1), ManyDecisionsPerReference: int.MaxValue),
        });
        var provider = _keyHolder.Provider;
        var random = new Random(1);
        float[] Embedding() => [.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))];
        var reference = FaceTemplate.FromEmbedding(Embedding());
        _probe = FaceTemplate.FromEmbedding(Embedding());
        _transformationKey = TemplateTransformationKey.Generate();
        var keys = _keyHolder.Keys;
        _capture = new CaptureClient(provider.EncryptionKeyId, keys.OpenPublicKey(provider.EncryptionKeyId));
        var ciphertext = _capture.EncryptReference(CancelableTransform.Apply(_transformationKey, reference));
        var request = new SealRequest("enr_1", "subject-1", _transformationKey.Id, provider.EncryptionKeyId, DateTimeOffset.UtcNow, SHA256.HashData(ciphertext));
        _reference = request.WithSeal(provider.SealingKeyId, ciphertext, _keyHolder.SealAsync(request, CancellationToken.None).GetAwaiter().GetResult());

        var (relin, galois) = keys.OpenEvaluationKeys(provider.EncryptionKeyId);
        _comparison = new ComparisonService(provider.EncryptionKeyId, keys.OpenSealVerifier(provider.SealingKeyId), keys.OpenPublicKey(provider.EncryptionKeyId), relin, galois);
        _bareDecider = new DecisionKeyHolder(keys.OpenDecryptionKey(provider.EncryptionKeyId));
        _transformedProbe = CancelableTransform.Apply(_transformationKey, _probe);
        _encryptedProbe = _capture.EncryptProbe(_transformedProbe, 0.5);
        _comparisonResult = _comparison.Compare(_reference, "subject-1", _encryptedProbe);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bareDecider.Dispose();
        _keyHolder.Dispose();
        _attester.Dispose();
        _transformationKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "1. transform probe (capture)")]
    public TransformedTemplate Transform() => CancelableTransform.Apply(_transformationKey, _probe);

    [Benchmark(Description = "2. encrypt probe (capture)")]
    public byte[] EncryptProbe() => _capture.EncryptProbe(_transformedProbe, 0.5);

    [Benchmark(Description = "3. compare (comparison service)")]
    public byte[] Compare() => _comparison.Compare(_reference, "subject-1", _encryptedProbe);

    [Benchmark(Description = "4. exact decision only: parse and decrypt the result (key holder)")]
    public bool Decide() => _bareDecider.Decide(_comparisonResult);

    [Benchmark(Description = "5. bound decision: ticket, attestation, checks, exact decision, encrypted answer")]
    public bool BoundDecision()
    {
        using var channel = new DecisionChannel();
        IKeyHolderRole keyHolder = _keyHolder;
        var ticket = keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest("subject-1", "enr_1", _reference.EncryptionKeyId, channel.PublicKey), CancellationToken.None).GetAwaiter().GetResult();
        var attested = _attester.Attest(ticket.Nonce, _reference, _encryptedProbe, _comparisonResult);
        return channel.Open(ticket, keyHolder.DecideAsync(attested, CancellationToken.None).GetAwaiter().GetResult());
    }
}
