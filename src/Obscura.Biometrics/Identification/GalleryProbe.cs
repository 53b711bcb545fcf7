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
    private static readonly byte[] Magic = "OBGP"u8.ToArray();
    private readonly int[] _weights;
    private readonly double _threshold;

    private GalleryProbe(string galleryKeyId, int[] weights, double threshold, CkksPlaintext thresholdPlaintext)
    {
        GalleryKeyId = galleryKeyId;
        _weights = weights;
        _threshold = threshold;
        Threshold = thresholdPlaintext;
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

        return Create(probe.KeyId, weights, t, encryptor);
    }

    /// <summary>
    /// The probe as bytes, for a search that runs elsewhere (a cluster's block grains): <c>"OBGP"</c>, version 1, the
    /// gallery key id, the threshold, the dimension and the d integers. As sensitive as the probe: whoever reads it has
    /// the quantised gallery-key transform of a face (see docs/biometrics.md on what a search node sees).
    /// </summary>
    public byte[] Serialize()
    {
        var output = new List<byte>();
        GalleryFormat.Header(output, Magic);
        GalleryFormat.String(output, GalleryKeyId);
        GalleryFormat.Double(output, _threshold);
        GalleryFormat.Int32(output, _weights.Length);
        foreach (var w in _weights)
        {
            GalleryFormat.Int16(output, (short)w);
        }

        return [.. output];
    }

    /// <summary>
    /// Reads a probe, checking magic and version, a threshold that is a finite cosine strictly between −1 and 1, a
    /// dimension between the template limits, every integer at most <see cref="GalleryScheme.ProbeScale"/> in magnitude
    /// and their norm at most <see cref="GalleryScheme.MaxWeightNorm"/> (the norm the flooding is calibrated for), and no
    /// trailing bytes.
    /// </summary>
    /// <exception cref="GalleryFormatException">Any of these fails; the message names the rule, never the data.</exception>
    /// <exception cref="ArgumentException">The encryptor is not for <see cref="GalleryScheme.Parameters"/>.</exception>
    public static GalleryProbe Deserialize(ReadOnlySpan<byte> data, CkksEncryptor encryptor)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        EncryptedGallery.CheckParameters(encryptor.Parameters, nameof(encryptor));
        var r = new GalleryFormat.Reader(data, Magic, "gallery probe");
        var keyId = r.String();
        var threshold = r.Double();
        if (!double.IsFinite(threshold) || threshold is <= -1 or >= 1)
        {
            throw r.Error("The threshold is a finite cosine similarity strictly between −1 and 1.");
        }

        var dimension = r.Int32();
        if (dimension is < FaceTemplate.MinDimension or > FaceTemplate.MaxDimension)
        {
            throw r.Error($"A probe has {FaceTemplate.MinDimension} to {FaceTemplate.MaxDimension} coordinates.");
        }

        var weights = new int[dimension];
        var norm = 0.0;
        for (var j = 0; j < dimension; j++)
        {
            var w = r.Int16();
            if (w is < -GalleryScheme.ProbeScale or > GalleryScheme.ProbeScale)
            {
                Array.Clear(weights);
                throw r.Error($"A probe's integers are between −{GalleryScheme.ProbeScale} and {GalleryScheme.ProbeScale}.");
            }

            weights[j] = w;
            norm += (double)w * w;
        }

        r.End();
        if (Math.Sqrt(norm) > GalleryScheme.MaxWeightNorm)
        {
            Array.Clear(weights);
            throw r.Error("The probe's integers are longer than a unit template's: the key holder's flooding does not cover such a search.");
        }

        return Create(keyId, weights, threshold, encryptor);
    }

    /// <inheritdoc/>
    public override string ToString() => $"GalleryProbe({GalleryKeyId}, d = {Dimension})";

    private static GalleryProbe Create(string keyId, int[] weights, double threshold, CkksEncryptor encryptor)
    {
        var slots = new Complex[GalleryScheme.Parameters.SlotCount];
        Array.Fill(slots, new Complex(-threshold, -threshold));
        var plaintext = encryptor.Encode(slots, GalleryScheme.SearchLevel, GalleryScheme.ResultScale);
        return new GalleryProbe(keyId, weights, threshold, plaintext);
    }
}
