using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Benchmarks;

/// <summary>
/// The protected-verification decision circuit on BGV (preset N8192T65537), one core: multiply and relinearise the
/// encrypted reference and probe, sum each 1,024-slot window by ten row rotations, subtract the offsets π, multiply by
/// the blinding factors r (both encoded in the measured time, from vectors drawn at setup), flood with σ = 2^96, switch
/// to level 0; and the key holder's decryption of the result.
/// </summary>
public class BgvDecisionBenchmarks
{
    private BgvParameters _parameters = null!;
    private BgvEncoder _encoder = null!;
    private BgvEncryptor _encryptor = null!;
    private BgvDecryptor _decryptor = null!;
    private BgvEvaluator _evaluator = null!;
    private BgvSecretKey _secretKey = null!;
    private BgvPublicKey _publicKey = null!;
    private BgvRelinearizationKey _relinearizationKey = null!;
    private BgvGaloisKeys _galoisKeys = null!;
    private BgvCiphertext _reference = null!;
    private BgvCiphertext _probe = null!;
    private BgvCiphertext _result = null!;
    private long[] _offsets = null!;
    private long[] _factors = null!;

    [GlobalSetup]
    public void Setup()
    {
        _parameters = BgvParameters.N8192T65537;
        var generator = new BgvKeyGenerator(_parameters);
        _secretKey = generator.CreateSecretKey();
        _publicKey = generator.CreatePublicKey(_secretKey);
        _relinearizationKey = generator.CreateRelinearizationKey(_secretKey);
        _galoisKeys = generator.CreateGaloisKeys(_secretKey, [.. Enumerable.Range(0, 10).Select(i => 1 << i).Union(HoistedStages.SelectMany(s => s))], columnSwap: false);
        _encoder = new BgvEncoder(_parameters);
        _encryptor = new BgvEncryptor(_parameters);
        _decryptor = new BgvDecryptor(_secretKey);
        _evaluator = new BgvEvaluator(_parameters);
        var random = new Random(1);
        var n = _parameters.SlotCount;
        var x = Enumerable.Range(0, 512).Select(_ => (long)random.Next(-80, 81)).ToArray();
        var y = Enumerable.Range(0, 512).Select(_ => (long)random.Next(-80, 81)).ToArray();
        _reference = _encryptor.Encrypt(_publicKey, _encoder.Encode(Layout(x, 1)));
        _probe = _encryptor.Encrypt(_publicKey, _encoder.Encode(Layout(y, -x.Zip(y, (a, b) => a * b).Sum())));
        _offsets = [.. Enumerable.Range(0, n).Select(j => (long)j).OrderBy(_ => random.Next())];
        _factors = [.. Enumerable.Range(0, n).Select(_ => random.NextInt64(1, (long)_parameters.PlainModulus.Value))];
        _result = Decision();
    }

    [GlobalCleanup]
    public void Cleanup() => _secretKey.Dispose();

    [Benchmark(Description = "BGV decision circuit (multiply, 10 rotations, blind, flood, switch to level 0)")]
    public BgvCiphertext Decision()
    {
        var ct = _evaluator.MultiplyRelinearize(_reference, _probe, _relinearizationKey);
        for (var step = 1; step < 1024; step <<= 1)
        {
            _evaluator.AddInPlace(ct, _evaluator.RotateRows(ct, step, _galoisKeys));
        }

        return BlindAndFlood(ct);
    }

    [Benchmark(Description = "BGV decision circuit, block sum hoisted (multiply, 5 stages of 3 rotations, blind, flood, switch to level 0)")]
    public BgvCiphertext DecisionHoisted()
    {
        var ct = _evaluator.MultiplyRelinearize(_reference, _probe, _relinearizationKey);
        foreach (var stage in HoistedStages)
        {
            ct = _evaluator.SumRotatedRows(ct, stage, _galoisKeys);
        }

        return BlindAndFlood(ct);
    }

    [Benchmark(Description = "BGV block sum of 1,024 slots: 10 rotations one at a time")]
    public BgvCiphertext BlockSumSequential()
    {
        var ct = _reference.Clone();
        for (var step = 1; step < 1024; step <<= 1)
        {
            _evaluator.AddInPlace(ct, _evaluator.RotateRows(ct, step, _galoisKeys));
        }

        return ct;
    }

    [Benchmark(Description = "BGV block sum of 1,024 slots: 5 hoisted stages of 3 rotations (SumRotatedRows)")]
    public BgvCiphertext BlockSumHoisted()
    {
        var ct = _reference;
        foreach (var stage in HoistedStages)
        {
            ct = _evaluator.SumRotatedRows(ct, stage, _galoisKeys);
        }

        return ct;
    }

    [Benchmark(Description = "BGV decision: decrypt and decode at level 0")]
    public long[] DecryptDecision() => _encoder.Decode(_decryptor.Decrypt(_result));

    private BgvCiphertext BlindAndFlood(BgvCiphertext ct)
    {
        _evaluator.SubtractPlainInPlace(ct, _encoder.Encode(_offsets));
        _evaluator.MultiplyPlainInPlace(ct, _encoder.Encode(_factors));
        _encryptor.AddFloodingNoise(ct, _publicKey, Math.Pow(2, 96));
        _evaluator.ModSwitchToInPlace(ct, 0);
        return ct;
    }

    /// <summary>Radix-4 stages: the rotations by 4^s, 2·4^s and 3·4^s for s = 0 … 4.</summary>
    private static readonly int[][] HoistedStages = [.. Enumerable.Range(0, 5).Select(s => new[] { 1 << (2 * s), 2 << (2 * s), 3 << (2 * s) })];

    private long[] Layout(long[] values, long last)
    {
        var slots = new long[_parameters.SlotCount];
        for (var start = 0; start < slots.Length; start += 1024)
        {
            values.CopyTo(slots, start);
            slots[start + 512] = last;
        }

        return slots;
    }
}
