using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.Biometrics.Templates;

namespace Obscura.Biometrics.Cancelable;

/// <summary>
/// The cancelable transform: a Haar-random orthogonal matrix Q derived from the template transformation key, applied
/// as y = Q·x. Orthogonality keeps every inner product, so comparison scores are unchanged. For one template per key,
/// Q·x is uniform on the unit sphere whatever x is, so a stored template reveals nothing about the face without the
/// key, and two enrolments under independent keys are independent uniform vectors: unlinkable. Revoking the key
/// renders the template useless, since a probe cannot be brought into the same space.
/// </summary>
/// <remarks>
/// Q = H_0 H_1 ⋯ H_{d−2} · D (Stewart 1980; Mezzadri 2007): H_k is the Householder reflection on coordinates k…d−1 from
/// a standard Gaussian vector v_k in R^(d−k), and D_kk = −sign(v_k[0]), D_(d−1)(d−1) a random sign. This is the Q of a
/// Householder QR of a Gaussian matrix with the signs fixed, which is exactly Haar-distributed. Applying it costs about
/// d² multiply-adds and d²/2 Gaussians, with no d×d matrix ever stored. The Gaussians come from AES-256 in counter mode
/// keyed by an HKDF derivation of the key (row k starts at counter k·2^32), turned into normals by Box–Muller.
/// </remarks>
public static class CancelableTransform
{
    /// <summary>Applies the key's transform to a template.</summary>
    public static TransformedTemplate Apply(TemplateTransformationKey key, FaceTemplate template)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(template);
        var d = template.Dimension;
        var z = new double[d];
        for (var i = 0; i < d; i++)
        {
            z[i] = template.Values[i];
        }

        var streamKey = key.DeriveStreamKey();
        try
        {
            using var aes = Aes.Create();
            aes.Key = streamKey;
            var v = new double[d];

            // D first, then H_{d−2} … H_0 (the rightmost factor acts first).
            for (var k = 0; k < d - 1; k++)
            {
                Gaussians(aes, k, v.AsSpan(0, 1));
                z[k] *= v[0] >= 0 ? -1 : 1;
            }

            Gaussians(aes, d - 1, v.AsSpan(0, 1));
            z[d - 1] *= v[0] >= 0 ? 1 : -1;

            for (var k = d - 2; k >= 0; k--)
            {
                var row = v.AsSpan(0, d - k);
                Gaussians(aes, k, row);
                Reflect(row, z.AsSpan(k));
            }

            Array.Clear(v);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(streamKey);
        }

        var result = new float[d];
        for (var i = 0; i < d; i++)
        {
            result[i] = (float)z[i];
        }

        Array.Clear(z);
        return new TransformedTemplate(key.Id, result);
    }

    /// <summary>z ← H·z with H = I − 2uuᵀ, u = (v + sign(v_0)‖v‖e_0)/‖·‖, the reflection that maps v to −sign(v_0)‖v‖e_0.</summary>
    private static void Reflect(Span<double> v, Span<double> z)
    {
        var norm = 0.0;
        foreach (var x in v)
        {
            norm += x * x;
        }

        norm = Math.Sqrt(norm);
        v[0] += v[0] >= 0 ? norm : -norm;
        var uu = 0.0;
        var uz = 0.0;
        for (var i = 0; i < v.Length; i++)
        {
            uu += v[i] * v[i];
            uz += v[i] * z[i];
        }

        var factor = 2 * uz / uu;
        for (var i = 0; i < v.Length; i++)
        {
            z[i] -= factor * v[i];
        }
    }

    /// <summary>Standard normals for row <paramref name="row"/>: AES-CTR blocks from counter row·2^32, Box–Muller on 53-bit uniforms.</summary>
    private static void Gaussians(Aes aes, int row, Span<double> destination)
    {
        var pairs = (destination.Length + 1) / 2;
        var counters = new byte[pairs * 16];
        for (var i = 0; i < pairs; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counters.AsSpan(i * 16), ((ulong)(uint)row << 32) | (uint)i);
        }

        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        for (var i = 0; i < pairs; i++)
        {
            var u1 = ((BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan(i * 16)) >> 11) + 1) * (1.0 / (1UL << 53));
            var u2 = (BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan((i * 16) + 8)) >> 11) * (1.0 / (1UL << 53));
            var radius = Math.Sqrt(-2 * Math.Log(u1));
            var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
            destination[2 * i] = radius * cos;
            if ((2 * i) + 1 < destination.Length)
            {
                destination[(2 * i) + 1] = radius * sin;
            }
        }

        CryptographicOperations.ZeroMemory(stream);
    }
}

/// <summary>A template after the cancelable transform: unit length, same dimension, bound to its key's id.</summary>
public sealed class TransformedTemplate
{
    private readonly float[] _values;

    internal TransformedTemplate(string keyId, float[] values)
    {
        KeyId = keyId;
        _values = values;
    }

    /// <summary>The transformation key's id.</summary>
    public string KeyId { get; }

    /// <summary>The dimension.</summary>
    public int Dimension => _values.Length;

    /// <summary>The transformed values.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Inner product with another transformed template (the score, if both used the same key).</summary>
    public double Similarity(TransformedTemplate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Dimension != Dimension)
        {
            throw new ArgumentException("Transformed templates of different dimensions cannot be compared.", nameof(other));
        }

        var sum = 0.0;
        for (var i = 0; i < _values.Length; i++)
        {
            sum += (double)_values[i] * other._values[i];
        }

        return sum;
    }

    /// <inheritdoc/>
    public override string ToString() => $"TransformedTemplate({KeyId}, d = {Dimension})";
}
