using System.Numerics;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

public sealed class CkksEvaluatorTests : IDisposable
{
    private static readonly CkksParameters P = CkksParameters.N8192Security128;
    private readonly CkksEncryptor _encryptor = new(P);
    private readonly CkksEvaluator _evaluator = new(P);
    private readonly CkksSecretKey _secretKey = CkksKeyGenerator.GenerateSecretKey(P);

    public void Dispose() => _secretKey.Dispose();

    [Theory]
    [InlineData(0.5)]
    [InlineData(-3.25)]
    [InlineData(0)]
    public void Multiplying_by_a_constant_scales_every_slot(double constant)
    {
        var z = Slots(1);
        var result = _evaluator.Rescale(_evaluator.MultiplyByConstant(Encrypt(z), constant));
        Assert.True(MaxError(Decrypt(result), [.. z.Select(v => v * constant)]) < 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => _evaluator.MultiplyByConstant(Encrypt(z), double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => _evaluator.MultiplyByConstant(Encrypt(z), 1e10, Math.Pow(2, 60)));
    }

    [Fact]
    public void Mod_switching_keeps_values_and_lets_operands_at_different_levels_meet()
    {
        var z1 = Slots(2);
        var z2 = Slots(3);
        var top = Encrypt(z1);
        var lowered = _evaluator.ModSwitchTo(top, 1);
        Assert.Equal(1, lowered.Level);
        Assert.True(MaxError(Decrypt(lowered), z1) < 1e-6);

        var atLevelOne = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z2, level: 1));
        Assert.Throws<ArgumentException>(() => _evaluator.Add(top, atLevelOne));
        var sum = _evaluator.Add(lowered, atLevelOne);
        Assert.True(MaxError(Decrypt(sum), [.. z1.Zip(z2, (a, b) => a + b)]) < 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => _evaluator.ModSwitchTo(lowered, 2));
    }

    [Fact]
    public void Shared_encryptor_and_evaluator_give_correct_results_from_many_threads()
    {
        var pk = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(_secretKey);
        var inputs = Enumerable.Range(0, 8).Select(Slots).ToArray();
        var results = new Complex[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var c = _encryptor.Encrypt(pk, _encryptor.Encode(inputs[i]));
            results[i] = Decrypt(_evaluator.Rescale(_evaluator.Multiply(c, c, relin)));
        });

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.True(MaxError(results[i], [.. inputs[i].Select(v => v * v)]) < 1e-4, $"input {i}");
        }
    }

    [Fact]
    public void A_dot_product_with_one_relinearisation_matches_the_slot_wise_sum_of_products_on_any_number_of_cores()
    {
        var relin = CkksKeyGenerator.CreateRelinearizationKey(_secretKey);
        var xs = Enumerable.Range(0, 20).Select(i => Slots(100 + i)).ToArray();
        var ys = Enumerable.Range(0, 20).Select(i => Slots(200 + i)).ToArray();
        var a = CkksEvaluator.Batch(xs, Encrypt);
        var b = CkksEvaluator.Batch(ys, Encrypt);
        var oneCore = _evaluator.DotProduct(a, b, relin, maxDegreeOfParallelism: 1);
        var allCores = _evaluator.DotProduct(a, b, relin, maxDegreeOfParallelism: 3);

        // Addition modulo q is order-free, so the split across cores cannot change a single residue.
        Assert.Equal(CkksSerializer.Serialize(oneCore), CkksSerializer.Serialize(allCores));

        var expected = Enumerable.Range(0, P.SlotCount).Select(j => xs.Zip(ys, (x, y) => x[j] * y[j]).Aggregate(Complex.Zero, (s, v) => s + v)).ToArray();
        Assert.True(MaxError(Decrypt(_evaluator.Rescale(oneCore)), expected) < 1e-3);

        Assert.Throws<ArgumentException>(() => _evaluator.DotProduct(a, b[..3], relin));
        Assert.Throws<ArgumentException>(() => _evaluator.DotProduct([], [], relin));
        Assert.Throws<ArgumentException>(() => _evaluator.DotProduct([a[0], _evaluator.ModSwitchTo(a[1], 1)], [b[0], _evaluator.ModSwitchTo(b[1], 1)], relin));
    }

    [Fact]
    public void Batch_keeps_input_order_and_surfaces_failures()
    {
        var squares = CkksEvaluator.Batch(Enumerable.Range(0, 100).ToArray(), i => i * i);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * i), squares);
        var failure = Assert.Throws<AggregateException>(() => CkksEvaluator.Batch(new[] { 1, 0 }, i => 1 / i));
        Assert.IsType<DivideByZeroException>(failure.InnerExceptions.Single());
    }

    private CkksCiphertext Encrypt(Complex[] z) => _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z));

    private Complex[] Decrypt(CkksCiphertext c) => _encryptor.Decode(_encryptor.Decrypt(_secretKey, c));

    private static Complex[] Slots(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, P.SlotCount).Select(_ => new Complex((random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1))];
    }

    private static double MaxError(Complex[] actual, Complex[] expected) => expected.Select((e, i) => Complex.Abs(actual[i] - e)).Max();
}
