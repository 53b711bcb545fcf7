using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>One pass over every core operation, at a small insecure set and at the preset: each result decrypts exactly.</summary>
public sealed class BgvCoreTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_core_operation_decrypts_exactly(bool preset)
    {
        var p = preset ? BgvParameters.N8192T65537 : BgvParameters.Create(256, [40, 30, 30], 40, 12289, allowInsecure: true);
        var kg = new BgvKeyGenerator(p);
        using var sk = kg.CreateSecretKey();
        var pk = kg.CreatePublicKey(sk);
        var rlk = kg.CreateRelinearizationKey(sk);
        var gk = kg.CreateGaloisKeys(sk, [1, -3], true);
        var enc = new BgvEncoder(p);
        var encryptor = new BgvEncryptor(p);
        var dec = new BgvDecryptor(sk);
        var ev = new BgvEvaluator(p);
        var t = (long)p.PlainModulus.Value;
        var rnd = new Random(1);
        var x = Enumerable.Range(0, p.SlotCount).Select(_ => rnd.NextInt64(-t / 2, t / 2)).ToArray();
        var y = Enumerable.Range(0, p.SlotCount).Select(_ => rnd.NextInt64(-t / 2, t / 2)).ToArray();
        long C(long v)
        {
            v %= t;
            v = v < 0 ? v + t : v;
            return v > t / 2 ? v - t : v;
        }

        var output = TestContext.Current.TestOutputHelper;
        Assert.Equal(x, enc.Decode(enc.Encode(x)));
        var cx = encryptor.Encrypt(pk, enc.Encode(x));
        output?.WriteLine($"pk fresh {dec.NoiseBits(cx):F1}");
        Assert.Equal(x, enc.Decode(dec.Decrypt(cx)));
        var cy = encryptor.EncryptSymmetric(sk, enc.Encode(y));
        output?.WriteLine($"sk fresh {dec.NoiseBits(cy):F1}");
        Assert.Equal(y, enc.Decode(dec.Decrypt(cy)));
        var prod = ev.Multiply(cx, cy);
        output?.WriteLine($"mul {dec.NoiseBits(prod):F1}");
        Assert.Equal(x.Zip(y, (a, b) => C(a * b)), enc.Decode(dec.Decrypt(prod)));
        ev.RelinearizeInPlace(prod, rlk);
        output?.WriteLine($"relin {dec.NoiseBits(prod):F1}");
        Assert.Equal(x.Zip(y, (a, b) => C(a * b)), enc.Decode(dec.Decrypt(prod)));
        var sw = ev.ModSwitchToNext(prod);
        output?.WriteLine($"modswitch {dec.NoiseBits(sw):F1}");
        Assert.Equal(x.Zip(y, (a, b) => C(a * b)), enc.Decode(dec.Decrypt(sw)));
        var r = ev.RotateRows(cx, 1, gk);
        output?.WriteLine($"rot {dec.NoiseBits(r):F1}");
        var rows = p.RowSize;
        var expected = Enumerable.Range(0, p.SlotCount).Select(i => i < rows ? x[(i + 1) % rows] : x[rows + ((i - rows + 1) % rows)]).ToArray();
        Assert.Equal(expected, enc.Decode(dec.Decrypt(r)));
        var c = ev.RotateColumns(cx, gk);
        Assert.Equal(Enumerable.Range(0, p.SlotCount).Select(i => x[(i + rows) % p.SlotCount]), enc.Decode(dec.Decrypt(c)));
        // Different correction factors (a product switched down, a fresh ciphertext switched down) are balanced.
        var cx1 = ev.ModSwitchToNext(cx);
        var mixed = ev.Add(sw, cx1);
        output?.WriteLine($"mixed add {dec.NoiseBits(mixed):F1}");
        Assert.Equal(x.Zip(y, (a, b) => C(a * b + a)), enc.Decode(dec.Decrypt(mixed)));
        var sp = ev.SubtractPlain(sw, enc.Encode(y));
        Assert.Equal(x.Zip(y, (a, b) => C(a * b - b)), enc.Decode(dec.Decrypt(sp)));
        encryptor.AddFloodingNoise(sw, pk, Math.Pow(2, 50));
        output?.WriteLine($"flood {dec.NoiseBits(sw):F1}");
        Assert.Equal(x.Zip(y, (a, b) => C(a * b)), enc.Decode(dec.Decrypt(sw)));
    }
}
