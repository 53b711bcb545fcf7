using System.Numerics;
using CsCheck;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Tests;

public sealed class CkksCiphertextBatchTests : IDisposable
{
    // 32-bit primes, as a batch needs; N = 1024 keeps the property cheap (insecure, for tests only).
    private static readonly CkksParameters P = CkksParameters.Create(1024, [32, 32, 24], 32, 30, allowInsecure: true);
    private readonly CkksEncryptor _encryptor = new(P);
    private readonly CkksEvaluator _evaluator = new(P);
    private readonly CkksSecretKey _secretKey = CkksKeyGenerator.GenerateSecretKey(P);

    public void Dispose() => _secretKey.Dispose();

    [Fact]
    public void A_weighted_sum_equals_the_sum_of_constant_multiples_residue_for_residue_on_every_path()
    {
        var publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var pool = Enumerable.Range(0, 40).Select(i => _encryptor.Encrypt(publicKey, _encryptor.Encode(Slots(i), scale: Math.Pow(2, 40)))).ToArray();
        Gen.Int[1, pool.Length].SelectMany(count => Gen.Int[-CkksCiphertextBatch.MaxWeight, CkksCiphertextBatch.MaxWeight].Array[count])
            .Sample(weights =>
            {
                var ciphertexts = pool[..weights.Length];
                var batch = CkksCiphertextBatch.Create(ciphertexts);
                var expected = ciphertexts.Select((c, i) => _evaluator.MultiplyByConstant(c, weights[i], scale: 1)).Aggregate(_evaluator.Add);
                var scalar = batch.WeightedSumsCore([weights], 1, batch.Level, null, vectorised: false)[0];
                AssertSameResidues(expected, scalar);
                if (CkksCiphertextBatch.IsVectorised)
                {
                    AssertSameResidues(expected, batch.WeightedSumsCore([weights], 1, batch.Level, 1, vectorised: true)[0]);
                }
            }, iter: 25);
    }

    [Fact]
    public void A_weighted_sum_decrypts_to_the_weighted_values_at_the_product_scale_and_at_a_lower_level()
    {
        var publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var values = Enumerable.Range(0, 5).Select(Slots).ToArray();
        var batch = CkksCiphertextBatch.Create([.. values.Select(v => _encryptor.Encrypt(publicKey, _encryptor.Encode(v, scale: Math.Pow(2, 40))))]);
        int[] weights = [512, -300, 7, 0, -1024];
        var expected = Enumerable.Range(0, P.SlotCount).Select(k => values.Select((v, i) => v[k] * weights[i] / 512.0).Aggregate(Complex.Add)).ToArray();

        var top = batch.WeightedSum(weights, 512);
        Assert.Equal((2, Math.Pow(2, 49)), (top.Level, top.Scale));
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, top)), expected) < 1e-6);

        // The limbs above the level asked for are never read: the same as dropping them from the full-level sum.
        var low = batch.WeightedSum(weights, 512, level: 1, maxDegreeOfParallelism: 1);
        AssertSameResidues(_evaluator.ModSwitchTo(top, 1), low);
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, low)), expected) < 1e-6);
        Assert.Equal(5, batch.Count);
        Assert.Equal(3L * 2 * 1024 * 2 * 16 * sizeof(short), batch.SizeInBytes);
    }

    [Fact]
    public void Several_sums_in_one_pass_equal_the_sums_one_at_a_time_on_every_path()
    {
        var publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var batch = CkksCiphertextBatch.Create([.. Enumerable.Range(0, 21).Select(i => _encryptor.Encrypt(publicKey, _encryptor.Encode(Slots(i))))]);
        var random = new Random(5);
        var weights = Enumerable.Range(0, 7).Select(_ => Enumerable.Range(0, 21).Select(_ => random.Next(-1024, 1025)).ToArray()).ToArray();
        foreach (var vectorised in CkksCiphertextBatch.IsVectorised ? new[] { false, true } : [false])
        {
            var together = batch.WeightedSumsCore(weights, 3, 1, null, vectorised);
            Assert.Equal(7, together.Length);
            for (var k = 0; k < weights.Length; k++)
            {
                AssertSameResidues(batch.WeightedSum(weights[k], 3, level: 1), together[k]);
                Assert.Equal(batch.Scale * 3, together[k].Scale);
            }
        }

        Assert.Throws<ArgumentException>(() => batch.WeightedSums([], 1));
        Assert.Throws<ArgumentException>(() => batch.WeightedSums([weights[0], new int[20]], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.WeightedSums([weights[0], [.. weights[1][..20], 1025]], 1));
    }

    [Fact]
    public void The_extreme_residues_and_weights_of_a_full_batch_sum_without_overflow_on_every_path()
    {
        // Residues 0 and q − 1 (both 16-bit halves at their extremes, q just below 2^32) and every weight at ±2^10, over
        // MaxCount ciphertexts: the sum the lane widths are sized for.
        var tiny = CkksParameters.Create(16, [32], 32, 20, allowInsecure: true);
        var q = tiny.ModulusAt(0).Value;
        var ciphertexts = new CkksCiphertext[CkksCiphertextBatch.MaxCount];
        var weights = new int[ciphertexts.Length];
        for (var c = 0; c < ciphertexts.Length; c++)
        {
            var c0 = new RnsPolynomial(16, 1, isNtt: true);
            var c1 = new RnsPolynomial(16, 1, isNtt: true);
            c1.Limb(0).Fill(q - 1);
            ciphertexts[c] = new CkksCiphertext(tiny, c0, c1, 0, 1);
            weights[c] = c < ciphertexts.Length * 3 / 4 ? CkksCiphertextBatch.MaxWeight : -CkksCiphertextBatch.MaxWeight;
        }

        var batch = CkksCiphertextBatch.Create(ciphertexts);
        var expected1 = Mod(weights.Aggregate(BigInteger.Zero, (s, w) => s + w) * (q - 1), q);
        foreach (var vectorised in CkksCiphertextBatch.IsVectorised ? new[] { false, true } : [false])
        {
            var sum = batch.WeightedSumsCore([weights], 1, 0, null, vectorised)[0];
            Assert.All(sum.C0.Limb(0).ToArray(), r => Assert.Equal(0UL, r));
            Assert.All(sum.C1.Limb(0).ToArray(), r => Assert.Equal(expected1, r));
        }
    }

    [Fact]
    public void Every_ciphertext_unpacks_from_a_batch_residue_for_residue_including_the_extreme_residues()
    {
        var publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var ciphertexts = Enumerable.Range(0, 17).Select(i => _encryptor.Encrypt(publicKey, _encryptor.Encode(Slots(i), scale: Math.Pow(2, 40)))).ToArray();

        // 0 and q − 1 in the first coefficients: the halves' offset is undone at both ends of the range.
        for (var limb = 0; limb <= ciphertexts[0].Level; limb++)
        {
            ciphertexts[3].C0.Limb(limb)[0] = 0;
            ciphertexts[3].C1.Limb(limb)[1] = P.ModulusAt(limb).Value - 1;
        }

        var batch = CkksCiphertextBatch.Create(ciphertexts);
        for (var c = 0; c < ciphertexts.Length; c++)
        {
            var unpacked = batch.Ciphertext(c);
            AssertSameResidues(ciphertexts[c], unpacked);
            Assert.Equal((ciphertexts[c].Level, ciphertexts[c].Scale), (unpacked.Level, unpacked.Scale));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Ciphertext(17));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Ciphertext(-1));
    }

    [Fact]
    public void A_batch_refuses_wide_primes_mixed_ciphertexts_and_out_of_range_weights()
    {
        var publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var a = _encryptor.Encrypt(publicKey, _encryptor.Encode(Slots(1)));
        var batch = CkksCiphertextBatch.Create([a, a]);

        var wide = CkksParameters.N4096Security128; // a 40-bit prime
        using var wideKey = CkksKeyGenerator.GenerateSecretKey(wide);
        var wideEncryptor = new CkksEncryptor(wide);
        Assert.Throws<ArgumentException>(() => CkksCiphertextBatch.Create([wideEncryptor.EncryptSymmetric(wideKey, wideEncryptor.Encode(new double[] { 1 }))]));
        Assert.Throws<ArgumentException>(() => CkksCiphertextBatch.Create([]));
        Assert.Throws<ArgumentException>(() => CkksCiphertextBatch.Create([a, _evaluator.ModSwitchTo(a, 1)]));
        Assert.Throws<ArgumentException>(() => CkksCiphertextBatch.Create([a, _evaluator.MultiplyByConstant(a, 1, scale: 2)]));
        Assert.Throws<ArgumentException>(() => batch.WeightedSum([1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.WeightedSum([1, CkksCiphertextBatch.MaxWeight + 1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.WeightedSum([1, -CkksCiphertextBatch.MaxWeight - 1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.WeightedSum([1, 1], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.WeightedSum([1, 1], 1, level: 3));
    }

    private static ulong Mod(BigInteger x, ulong q) => (ulong)(((x % q) + q) % q);

    private static void AssertSameResidues(CkksCiphertext expected, CkksCiphertext actual)
    {
        Assert.Equal(expected.Level, actual.Level);
        for (var limb = 0; limb <= expected.Level; limb++)
        {
            Assert.True(expected.C0.Limb(limb).SequenceEqual(actual.C0.Limb(limb)), $"c0, limb {limb}");
            Assert.True(expected.C1.Limb(limb).SequenceEqual(actual.C1.Limb(limb)), $"c1, limb {limb}");
        }
    }

    private static Complex[] Slots(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, P.SlotCount).Select(_ => new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5))];
    }

    private static double MaxError(Complex[] actual, Complex[] expected) => actual.Zip(expected, (a, e) => (a - e).Magnitude).Max();
}
