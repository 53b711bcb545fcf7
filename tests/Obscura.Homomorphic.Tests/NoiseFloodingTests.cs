using System.Numerics;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

public sealed class NoiseFloodingTests : IDisposable
{
    private static readonly CkksParameters P = CkksParameters.N8192Security128;
    private readonly CkksEncryptor _encryptor = new(P);
    private readonly CkksSecretKey _secretKey = CkksKeyGenerator.GenerateSecretKey(P);

    public void Dispose() => _secretKey.Dispose();

    [Fact]
    public void Sigma_follows_the_documented_bound()
    {
        var policy = new NoiseFloodingPolicy(errorBound: 1000, maxDecryptions: 1024, statisticalSecurityBits: 30);
        Assert.Equal(1000 * 256 * Math.Pow(2, 15), policy.Sigma);
        Assert.Equal(policy.Sigma * Math.Sqrt(4096) / Math.Pow(2, 40), policy.SlotStandardDeviation(P, Math.Pow(2, 40)), 12);
    }

    [Theory]
    [InlineData(0.5, 1, 30)]
    [InlineData(double.NaN, 1, 30)]
    [InlineData(10, 0, 30)]
    [InlineData(10, 1, 15)]
    [InlineData(10, 1, 81)]
    [InlineData(1e30, 1 << 20, 40)] // σ above 2^110
    public void Out_of_range_policies_are_refused(double errorBound, long maxDecryptions, int bits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseFloodingPolicy(errorBound, maxDecryptions, bits));

    [Fact]
    public void Plain_decryption_gives_the_key_away_and_flooded_decryption_does_not()
    {
        // The Li–Micciancio attack as an outsider would run it: take the shared slot values, re-encode them at the
        // ciphertext's scale, and solve c0 + c1·s = m for s, coefficient-wise in the NTT domain.
        var z = Enumerable.Range(0, P.SlotCount).Select(i => new Complex(Math.Sin(i), Math.Cos(i))).ToArray();
        var ciphertext = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z));

        var plainShare = _encryptor.Decode(_encryptor.Decrypt(_secretKey, ciphertext));
        Assert.True(RecoversSecret(ciphertext, plainShare), "the attack should work on an unprotected decryption");

        var flooder = new NoiseFloodingDecryptor(_encryptor, new NoiseFloodingPolicy(errorBound: 64, maxDecryptions: 1));
        var floodedShare = _encryptor.Decode(flooder.Decrypt(_secretKey, ciphertext));
        Assert.False(RecoversSecret(ciphertext, floodedShare));
    }

    [Theory]
    [InlineData(100)] // σ = 2^26.6: sampled directly
    [InlineData(3.5e13)] // σ = 2^65: a 2^15 grid with uniform low bits
    public void Flooding_noise_has_the_policy_sigma_and_no_bias(double errorBound)
    {
        var policy = new NoiseFloodingPolicy(errorBound, maxDecryptions: 16);
        var flooder = new NoiseFloodingDecryptor(_encryptor, policy);
        var ciphertext = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(new double[] { 0.25, -0.5 }));
        var plain = _encryptor.CentredCoefficients(_encryptor.Decrypt(_secretKey, ciphertext));
        var flooded = _encryptor.CentredCoefficients(flooder.Decrypt(_secretKey, ciphertext));
        var noise = flooded.Zip(plain, (a, b) => (a - b) / policy.Sigma).ToArray();
        var n = noise.Length;
        var mean = noise.Average();
        var variance = noise.Sum(x => (x - mean) * (x - mean)) / (n - 1);

        // Each check fails by chance with probability below 1e-8 (6 standard errors).
        Assert.InRange(mean, -6 / Math.Sqrt(n), 6 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - (6 * Math.Sqrt(2.0 / n)), 1 + (6 * Math.Sqrt(2.0 / n)));
        Assert.True(noise.All(x => Math.Abs(x) < 8.7), "Box–Muller on 53-bit uniforms stays below 8.6σ");
    }

    [Fact]
    public void The_decryption_budget_is_enforced_exactly_under_concurrency()
    {
        var p = CkksParameters.N4096Security128;
        var encryptor = new CkksEncryptor(p);
        using var key = CkksKeyGenerator.GenerateSecretKey(p);
        var ciphertext = encryptor.EncryptSymmetric(key, encryptor.Encode(new double[] { 1 }));
        var flooder = new NoiseFloodingDecryptor(encryptor, new NoiseFloodingPolicy(errorBound: 8, maxDecryptions: 20), alreadyUsed: 5);
        var served = 0;
        var refused = 0;
        Parallel.For(0, 40, _ =>
        {
            try
            {
                flooder.Decrypt(key, ciphertext);
                Interlocked.Increment(ref served);
            }
            catch (InvalidOperationException)
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.Equal(15, served);
        Assert.Equal(25, refused);
        Assert.Equal(20, flooder.Used);
        Assert.Equal(0, flooder.Remaining);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseFloodingDecryptor(encryptor, flooder.Policy, alreadyUsed: -1));
    }

    [Fact]
    public void Flooding_that_would_wrap_the_modulus_is_refused_before_it_counts()
    {
        var p = CkksParameters.N4096Security128; // q_0 has 40 bits: no room for σ = 2^40 at level 0
        var encryptor = new CkksEncryptor(p);
        using var key = CkksKeyGenerator.GenerateSecretKey(p);
        var ciphertext = encryptor.EncryptSymmetric(key, encryptor.Encode(new double[] { 1 }, level: 0));
        var flooder = new NoiseFloodingDecryptor(encryptor, new NoiseFloodingPolicy(errorBound: Math.Pow(2, 22), maxDecryptions: 1));
        var error = Assert.Throws<ArgumentException>(() => flooder.Decrypt(key, ciphertext));
        Assert.Contains("does not fit", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, flooder.Used);
    }

    [Fact]
    public void A_measured_bound_for_an_inner_product_gives_a_flooded_result_within_the_predicted_spread()
    {
        // Room for flooding: Δ = 2^55 and no rescale after the product, whose scale 2^110 sits under a 115-bit modulus
        // (175 bits in all with P, under the 218-bit bound).
        var p = CkksParameters.Create(8192, [60, 55], 60, 55);
        var encryptor = new CkksEncryptor(p);
        var evaluator = new CkksEvaluator(p);
        using var key = CkksKeyGenerator.GenerateSecretKey(p);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(key);
        var galois = CkksKeyGenerator.CreateGaloisKeys(key, Enumerable.Range(0, 9).Select(i => 1 << i));
        var random = new Random(11);
        double[] Vector() => [.. Enumerable.Range(0, 512).Select(_ => ((random.NextDouble() * 2) - 1) / Math.Sqrt(512))];
        (CkksCiphertext, Complex[]) Trial()
        {
            var x = Vector();
            var y = Vector();
            var cx = encryptor.EncryptSymmetric(key, encryptor.Encode(x));
            var cy = encryptor.EncryptSymmetric(key, encryptor.Encode(y));

            // Every slot's expected value: slot i holds the sum of the 512 products from i on, cyclically.
            var products = new double[p.SlotCount];
            for (var k = 0; k < x.Length; k++)
            {
                products[k] = x[k] * y[k];
            }

            var expected = Enumerable.Range(0, p.SlotCount)
                .Select(i => new Complex(Enumerable.Range(i, 512).Sum(k => products[k % p.SlotCount]), 0)).ToArray();
            return (evaluator.SumSlots(evaluator.Multiply(cx, cy, relin), 512, galois), expected);
        }

        var measured = Enumerable.Range(0, 4).Select(_ =>
        {
            var (c, expected) = Trial();
            return NoiseFloodingPolicy.MeasureCoefficientError(encryptor, key, c, expected);
        }).Max();
        var policy = new NoiseFloodingPolicy(errorBound: 4 * measured, maxDecryptions: 1 << 10);
        var (ciphertext, expectedSlots) = Trial();
        var truth = expectedSlots[0].Real;
        var flooder = new NoiseFloodingDecryptor(encryptor, policy);
        var slot = encryptor.Decode(flooder.Decrypt(key, ciphertext))[0].Real;
        var spread = policy.SlotStandardDeviation(p, ciphertext.Scale);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"inner product: measured E = 2^{Math.Log2(measured):F1}, σ = 2^{Math.Log2(policy.Sigma):F1}, slot σ = {spread:E2}, error {Math.Abs(slot - truth):E2}");
        Assert.True(Math.Abs(slot - truth) < 8 * spread, $"{slot} vs {truth}, spread {spread}");
        Assert.True(spread < 1e-4, $"a 512-dimension score should stay precise after flooding; slot σ {spread}");
    }

    private bool RecoversSecret(CkksCiphertext ciphertext, Complex[] shared)
    {
        var reencoded = _encryptor.Encode(shared, ciphertext.Level, ciphertext.Scale).Polynomial;
        var q = P.CiphertextModuli.Moduli[0];
        var m = reencoded.Limb(0);
        var c0 = ciphertext.C0.Limb(0);
        var c1 = ciphertext.C1.Limb(0);
        var s = _secretKey.S.Limb(0);
        for (var j = 0; j < m.Length; j++)
        {
            if (c1[j] == 0)
            {
                continue;
            }

            var candidate = q.Multiply(q.Subtract(m[j], c0[j]), q.InversePrime(c1[j]));
            if (candidate != s[j])
            {
                return false;
            }
        }

        return true;
    }
}
