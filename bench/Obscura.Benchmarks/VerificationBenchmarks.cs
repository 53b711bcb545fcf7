using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;

namespace Obscura.Benchmarks;

/// <summary>
/// 1:1 protected verification at 512 dimensions, one step per row, each on one core: the capture side's transform and
/// probe encryption, the comparison service's sealed, blinded encrypted comparison, and the key holder's flooded decision.
/// </summary>
public class VerificationBenchmarks
{
    private string _directory = null!;
    private TemplateTransformationKey _transformationKey = null!;
    private FaceTemplate _probe = null!;
    private TransformedTemplate _transformedProbe = null!;
    private CaptureClient _capture = null!;
    private ComparisonService _comparison = null!;
    private DecisionKeyHolder _keyHolder = null!;
    private SealedTemplate _reference = null!;
    private byte[] _encryptedProbe = null!;
    private byte[] _comparisonResult = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("obscura-bench-").FullName;
        var keys = KeyManagementService.Open(_directory);
        var provider = keys.CreateProviderKeys("bench-bank");
        var random = new Random(1);
        float[] Embedding() => [.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))];
        var reference = FaceTemplate.FromEmbedding(Embedding());
        _probe = FaceTemplate.FromEmbedding(Embedding());
        _transformationKey = TemplateTransformationKey.Generate();
        _capture = new CaptureClient(provider.EncryptionKeyId, keys.OpenPublicKey(provider.EncryptionKeyId));
        using (var sealer = keys.OpenSealer(provider.SealingKeyId))
        {
            _reference = sealer.Seal("enr_1", "subject-1", _transformationKey.Id, provider.EncryptionKeyId, DateTimeOffset.UtcNow, _capture.EncryptReference(CancelableTransform.Apply(_transformationKey, reference)));
        }

        var (relin, galois) = keys.OpenEvaluationKeys(provider.EncryptionKeyId);
        _comparison = new ComparisonService(provider.EncryptionKeyId, keys.OpenSealVerifier(provider.SealingKeyId), relin, galois);
        var secret = keys.OpenDecryptionKey(provider.EncryptionKeyId);
        // Enough decisions for every benchmark invocation; the timing does not depend on σ, and accuracy is not measured here.
        var policy = DecisionKeyHolder.Calibrate(secret, maxDecryptions: 1L << 24, maxDecisionNoise: double.MaxValue);
        _keyHolder = new DecisionKeyHolder(secret, policy, keys.DecryptionBudget(provider.EncryptionKeyId, long.MaxValue));
        _transformedProbe = CancelableTransform.Apply(_transformationKey, _probe);
        _encryptedProbe = _capture.EncryptProbe(_transformedProbe, 0.5);
        _comparisonResult = _comparison.Compare(_reference, "subject-1", _encryptedProbe);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keyHolder.Dispose();
        _transformationKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "1. transform probe (capture)")]
    public TransformedTemplate Transform() => CancelableTransform.Apply(_transformationKey, _probe);

    [Benchmark(Description = "2. encrypt probe (capture)")]
    public byte[] EncryptProbe() => _capture.EncryptProbe(_transformedProbe, 0.5);

    [Benchmark(Description = "3. compare (comparison service)")]
    public byte[] Compare() => _comparison.Compare(_reference, "subject-1", _encryptedProbe);

    [Benchmark(Description = "4. flooded decision (key holder)")]
    public bool Decide() => _keyHolder.Decide(_comparisonResult);
}
