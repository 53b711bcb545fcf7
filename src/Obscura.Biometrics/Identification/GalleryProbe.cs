using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Templates;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// A probe prepared for searching an <see cref="EncryptedGallery"/> (the capture side, which holds it in the clear
/// anyway): the gallery-key transform of the face, each coordinate y quantised to the integer round(512·y), and the
/// threshold as a plaintext −t in every slot's real and imaginary part. Nothing here is encrypted: a search multiplies
/// the encrypted gallery by these integers, so the probe needs no encryption, and it never leaves the capture side:
/// what leaves is each block's result, re-randomised so that the gallery ciphertexts and the result together do not
/// give the probe's integers (<see cref="EncryptedGallery.SearchResult"/>). Never printed.
/// </summary>
public sealed class GalleryProbe
{
    private readonly int[] _weights;

    private GalleryProbe(string galleryKeyId, int[] weights, CkksPlaintext threshold)
    {
        GalleryKeyId = galleryKeyId;
        _weights = weights;
        Threshold = threshold;
    }

    /// <summary>The id of the gallery key the probe was transformed with.</summary>
    public string GalleryKeyId { get; }

    /// <summary>The template dimension.</summary>
    public int Dimension => _weights.Length;

    /// <summary>The quantised coordinates round(512·y_j), each at most 512 in magnitude.</summary>
    internal ReadOnlySpan<int> Weights => _weights;

    /// <summary>−t in the real and imaginary part of every slot, at the search level and the result scale.</summary>
    internal CkksPlaintext Threshold { get; }

    /// <summary>Transforms <paramref name="face"/> with the gallery key and prepares it for threshold <paramref name="threshold"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not a cosine similarity strictly between −1 and 1.</exception>
    public static GalleryProbe Prepare(GalleryTransformationKey galleryKey, FaceTemplate face, double threshold, CkksEncryptor encryptor)
    {
        ArgumentNullException.ThrowIfNull(galleryKey);
        return FromTransformed(galleryKey.Apply(face), threshold, encryptor);
    }

    /// <summary>Prepares a template already transformed with a gallery key.</summary>
    /// <exception cref="ArgumentException">The encryptor is not for <see cref="GalleryScheme.Parameters"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not a cosine similarity strictly between −1 and 1.</exception>
    public static GalleryProbe FromTransformed(TransformedTemplate probe, double threshold, CkksEncryptor encryptor)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(encryptor);
        EncryptedGallery.CheckParameters(encryptor.Parameters, nameof(encryptor));
        var t = GalleryScheme.CheckThreshold(threshold);
        var weights = new int[probe.Dimension];
        for (var j = 0; j < weights.Length; j++)
        {
            // |y_j| ≤ 1 for a unit template, so |weight| ≤ 512, within what a batch accepts.
            weights[j] = (int)Math.Round(probe.Values[j] * (double)GalleryScheme.ProbeScale, MidpointRounding.ToEven);
        }

        var slots = new Complex[GalleryScheme.Parameters.SlotCount];
        Array.Fill(slots, new Complex(-t, -t));
        var plaintext = encryptor.Encode(slots, GalleryScheme.SearchLevel, GalleryScheme.ResultScale);
        return new GalleryProbe(probe.KeyId, weights, plaintext);
    }

    /// <inheritdoc/>
    public override string ToString() => $"GalleryProbe({GalleryKeyId}, d = {Dimension})";
}
