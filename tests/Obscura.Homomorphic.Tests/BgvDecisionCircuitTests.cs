using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// The protected-verification decision circuit, run as a test of the engine on the N8192T65537 preset: an encrypted
/// inner product of a 512-dimension reference and probe (each block of 1,024 slots holds the 512 values and, at slot
/// 512, 1 in the reference and −T in the probe, repeated four times per row and in both rows), a window sum by ten row
/// rotations, blinding by distinct offsets π(j) and random non-zero factors r_j, flooding, and a switch to level 0.
/// Decryption gives r_j·(⟨x, y⟩ − T − π(j)) in slot j, so exactly one slot is zero when 0 ≤ ⟨x, y⟩ − T is one of the
/// π(j) and none otherwise. The noise after each step goes to the test output; the flooding σ is 2^20 times the
/// measured bound before flooding, as the key holder would calibrate it.
/// </summary>
public sealed class BgvDecisionCircuitTests
{
    private const int Dimension = 512;
    private const int Block = 1024;
    private static readonly BgvTestSet S = BgvTestSet.Preset;

    [Theory]
    [InlineData(1, 1234)]  // ⟨x, y⟩ − T = 1234: one zero, at the slot whose offset is 1234
    [InlineData(2, 0)]     // exactly at the threshold
    [InlineData(3, -1)]    // just below the threshold: no zero
    public void The_decision_circuit_is_exact_and_its_noise_is_reported(int seed, int margin)
    {
        var random = new Random(seed);
        var n = S.Parameters.SlotCount;
        var t = S.T;
        var x = Enumerable.Range(0, Dimension).Select(_ => (long)random.Next(-80, 81)).ToArray();
        var y = Enumerable.Range(0, Dimension).Select(_ => (long)random.Next(-80, 81)).ToArray();
        var threshold = x.Zip(y, (a, b) => a * b).Sum() - margin;
        var offsets = Enumerable.Range(0, n).Select(j => (long)j).OrderBy(_ => random.Next()).ToArray(); // π: distinct
        var factors = Enumerable.Range(0, n).Select(_ => random.NextInt64(1, t)).ToArray();               // r_j ≠ 0

        var reference = S.Encrypt(Layout(x, 1));
        var probe = S.Encrypt(Layout(y, -threshold));
        var ev = S.Evaluator;
        var ct = ev.MultiplyRelinearize(reference, probe, S.RelinearizationKey);
        Report("multiply + relinearise", ct);
        for (var step = 1; step < Block; step <<= 1)
        {
            ev.AddInPlace(ct, ev.RotateRows(ct, step, S.GaloisKeys));
            Report($"rotate by {step} and add", ct);
        }

        ev.SubtractPlainInPlace(ct, S.Encoder.Encode(offsets));
        Report("subtract π", ct);
        ev.MultiplyPlainInPlace(ct, S.Encoder.Encode(factors));
        var before = S.Decryptor.NoiseBits(ct);
        Report("multiply by r", ct);
        var sigma = Math.Pow(2, 20 + Math.Ceiling(before));
        S.Encryptor.AddFloodingNoise(ct, S.PublicKey, sigma);
        Report($"flood with σ = 2^{Math.Log2(sigma):F0}", ct);
        ev.ModSwitchToInPlace(ct, 0);
        Report("mod switch to level 0", ct);

        var slots = S.Decrypt(ct);
        var difference = (long)margin;
        for (var j = 0; j < n; j++)
        {
            Assert.Equal(S.Centre((Int128)factors[j] * (difference - offsets[j])), slots[j]);
        }

        var zeros = Enumerable.Range(0, n).Where(j => slots[j] == 0).ToArray();
        if (margin >= 0)
        {
            Assert.Equal([Array.IndexOf(offsets, (long)margin)], zeros);
        }
        else
        {
            Assert.Empty(zeros);
        }
    }

    /// <summary>The values in slots 0 … 511 of each 1,024-slot block, <paramref name="last"/> at slot 512, in all 8 blocks.</summary>
    private static long[] Layout(long[] values, long last)
    {
        var slots = new long[S.Parameters.SlotCount];
        for (var start = 0; start < slots.Length; start += Block)
        {
            values.CopyTo(slots, start);
            slots[start + Dimension] = last;
        }

        return slots;
    }

    private static void Report(string step, BgvCiphertext ciphertext) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{step}: noise {S.Decryptor.NoiseBits(ciphertext):F1} bits (level {ciphertext.Level})");
}
