using Obscura.Biometrics.Cancelable;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// A packed, encrypted gallery for 1:N identification. Templates are stored by column: within a block of up to 8192
/// templates, ciphertext j holds coordinate j of every template, template k in the real part of slot k and template
/// 4096 + k in its imaginary part, and one extra ciphertext holds 1 (or i) for each occupied place. A probe is sent as
/// d + 1 ciphertexts, each holding one real coordinate in every slot, the last holding −t. Multiplying by a real value
/// keeps real and imaginary parts apart, so the dot product over the d + 1 column pairs leaves score − t for every
/// template of the block at once, with a single relinearisation (<see cref="CkksEvaluator.DotProduct"/>).
/// </summary>
/// <remarks>
/// Every template and the probe must use the same transformation key, so a gallery has one gallery-wide key rather
/// than one per enrolment. Without blinding per slot, the key holder learns each score's margin (score − t) under
/// flooding noise, not only the matches.
/// </remarks>
public sealed class EncryptedGallery
{
    private readonly List<GalleryBlock> _blocks = [];
    private readonly CkksEvaluator _evaluator = new(GalleryScheme.Parameters);

    /// <summary>Creates an empty gallery of templates of dimension <paramref name="dimension"/> under transformation key <paramref name="galleryKeyId"/>.</summary>
    public EncryptedGallery(int dimension, string galleryKeyId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, Templates.FaceTemplate.MinDimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, Templates.FaceTemplate.MaxDimension);
        ArgumentException.ThrowIfNullOrWhiteSpace(galleryKeyId);
        Dimension = dimension;
        GalleryKeyId = galleryKeyId;
    }

    /// <summary>Template dimension.</summary>
    public int Dimension { get; }

    /// <summary>The gallery-wide transformation key's id.</summary>
    public string GalleryKeyId { get; }

    /// <summary>Templates per block: two per slot (real and imaginary part), N.</summary>
    public static int BlockSize => 2 * SlotCount;

    private static int SlotCount => GalleryScheme.Parameters.SlotCount;

    /// <summary>Number of templates.</summary>
    public int Count => _blocks.Sum(b => b.SubjectIds.Count);

    /// <summary>Number of blocks.</summary>
    public int BlockCount => _blocks.Count;

    /// <summary>Encrypts and adds templates (the enrolment side, with the provider's public key), filling blocks in order.</summary>
    /// <exception cref="ArgumentException">A template of another dimension or key, or mismatched lists.</exception>
    public void Add(CkksEncryptor encryptor, CkksPublicKey publicKey, IReadOnlyList<string> subjectIds, IReadOnlyList<TransformedTemplate> templates)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(subjectIds);
        ArgumentNullException.ThrowIfNull(templates);
        if (subjectIds.Count != templates.Count)
        {
            throw new ArgumentException("One subject id per template.", nameof(subjectIds));
        }

        if (templates.Any(t => t.Dimension != Dimension || t.KeyId != GalleryKeyId))
        {
            throw new ArgumentException($"Every template has dimension {Dimension} and the gallery key {GalleryKeyId}.", nameof(templates));
        }

        for (var start = 0; start < templates.Count; start += BlockSize)
        {
            var count = Math.Min(BlockSize, templates.Count - start);
            var columns = CkksEvaluator.Batch(Enumerable.Range(0, Dimension + 1).ToArray(), j =>
            {
                var slots = new System.Numerics.Complex[SlotCount];
                for (var k = 0; k < count; k++)
                {
                    var value = j < Dimension ? templates[start + k].Values[j] : 1;
                    slots[k % SlotCount] += k < SlotCount ? value : new System.Numerics.Complex(0, value);
                }

                return encryptor.Encrypt(publicKey, encryptor.Encode(slots));
            });
            _blocks.Add(new GalleryBlock([.. subjectIds.Skip(start).Take(count)], columns));
        }
    }

    /// <summary>The probe's d + 1 ciphertexts (the capture side): coordinate j in every slot, and −t last.</summary>
    public static CkksCiphertext[] EncryptProbe(CkksEncryptor encryptor, CkksPublicKey publicKey, TransformedTemplate probe, double threshold)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(probe);
        var thresholdSlot = -GalleryScheme.CheckThreshold(threshold);
        return CkksEvaluator.Batch(Enumerable.Range(0, probe.Dimension + 1).ToArray(), j =>
            encryptor.Encrypt(publicKey, encryptor.Encode(Enumerable.Repeat(j < probe.Dimension ? probe.Values[j] : thresholdSlot, SlotCount).ToArray())));
    }

    /// <summary>The comparison: for each block, an encryption of score_k − t in slot k (blocks spread across cores).</summary>
    public IReadOnlyList<EncryptedBlockScores> Search(IReadOnlyList<CkksCiphertext> probe, CkksRelinearizationKey relinearizationKey, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Count != Dimension + 1)
        {
            throw new ArgumentException($"A probe for this gallery has {Dimension + 1} ciphertexts.", nameof(probe));
        }

        return [.. _blocks.Select(block => new EncryptedBlockScores(block.SubjectIds, _evaluator.DotProduct(block.Columns, probe, relinearizationKey, maxDegreeOfParallelism)))];
    }

    private sealed record GalleryBlock(IReadOnlyList<string> SubjectIds, CkksCiphertext[] Columns);
}

/// <summary>One block's encrypted margins and whose they are: SubjectIds[k] is the real part of slot k for k &lt; N/2, the imaginary part of slot k − N/2 after.</summary>
public sealed record EncryptedBlockScores(IReadOnlyList<string> SubjectIds, CkksCiphertext Margins);
