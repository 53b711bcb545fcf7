using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// A packed, encrypted gallery for 1:N identification under one purpose's <see cref="GalleryTransformationKey"/> and
/// the 1:N provider key (<see cref="GalleryScheme"/>). Templates are stored by column: within a block of up to 8192
/// templates, ciphertext j holds coordinate j of every template, template k in the real part of slot k and template
/// 4096 + k in its imaginary part. The columns of a block are packed into one <see cref="CkksCiphertextBatch"/>
/// (4 bytes a residue). A search is Σ_j round(512·y_j)·column_j + Enc(−t) over the two search primes: a sum weighted by
/// the probe's integers, which leaves 2^61 × (score − t) for every template of the block at once, needs no secret key
/// and no encrypted probe, and reads 8 KB per template at d = 512. Enc(−t) is a fresh public-key encryption for each
/// block and search: it re-randomises the result, whose c1 would otherwise be an integer combination of the columns'
/// c1 from which whoever holds the gallery ciphertexts reads the probe's integers by linear algebra.
/// </summary>
/// <remarks>
/// Roles: the capture side encrypts enrolments with the 1:N public key, prepares probes with the gallery key and runs the
/// search (it holds the probe in the clear anyway); storage keeps the gallery; the key holder decrypts each block's
/// margins with flooding (<see cref="GalleryKeyHolder"/>). The gallery object keeps the 1:N public key its columns were
/// encrypted under (public, checked at every <see cref="Add"/>) to re-randomise search results and renewed columns; a
/// gallery read back from storage must take that key from the key holder, never from storage, which could otherwise
/// hand over a degenerate key that re-randomises nothing. Slots are not blinded one by one, so the key holder learns
/// each template's margin under flooding noise, not only the matches.
/// </remarks>
public sealed class EncryptedGallery
{
    private readonly List<EncryptedGalleryBlock> _blocks;
    private CkksEncryptor? _encryptor;
    private CkksPublicKey? _publicKey;

    /// <summary>Creates an empty gallery of templates of dimension <paramref name="dimension"/> under <paramref name="galleryKey"/> (its id and purpose only: the gallery keeps no secret).</summary>
    public EncryptedGallery(int dimension, GalleryTransformationKey galleryKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, Templates.FaceTemplate.MinDimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, Templates.FaceTemplate.MaxDimension);
        ArgumentNullException.ThrowIfNull(galleryKey);
        Dimension = dimension;
        GalleryKeyId = galleryKey.Id;
        Purpose = galleryKey.Purpose;
        Level = GalleryScheme.Parameters.MaxLevel;
        _blocks = [];
    }

    private EncryptedGallery(EncryptedGallery source, GalleryTransformationKey galleryKey, List<EncryptedGalleryBlock> blocks)
    {
        Dimension = source.Dimension;
        GalleryKeyId = galleryKey.Id;
        Purpose = source.Purpose;
        Level = source.Level - 1;
        _blocks = blocks;
        _encryptor = source._encryptor;
        _publicKey = source._publicKey;
    }

    /// <summary>Template dimension.</summary>
    public int Dimension { get; }

    /// <summary>The gallery key's id.</summary>
    public string GalleryKeyId { get; }

    /// <summary>The purpose the gallery serves.</summary>
    public PurposeId Purpose { get; }

    /// <summary>The level the columns are stored at: the search level plus the renewals left.</summary>
    public int Level { get; }

    /// <summary>How many more times the gallery can be renewed to a new key before its subjects must enrol again.</summary>
    public int RenewalsLeft => Level - GalleryScheme.SearchLevel;

    /// <summary>Templates per block: two per slot (real and imaginary part), N.</summary>
    public static int BlockSize => GalleryScheme.BlockSize;

    private static int SlotCount => GalleryScheme.Parameters.SlotCount;

    /// <summary>Number of templates.</summary>
    public int Count => _blocks.Sum(b => b.SubjectIds.Count);

    /// <summary>Number of blocks.</summary>
    public int BlockCount => _blocks.Count;

    /// <summary>The blocks, in order: what a store or a cluster keeps, one at a time (<see cref="EncryptedGalleryBlock.Serialize"/>).</summary>
    public IReadOnlyList<EncryptedGalleryBlock> Blocks => _blocks;

    /// <summary>Memory the encrypted columns take, in bytes (a search reads the two search primes' share of it).</summary>
    public long SizeInBytes => _blocks.Sum(b => b.Columns.SizeInBytes);

    /// <summary>Encrypts and adds templates (the enrolment side, with the 1:N public key), filling new blocks in order.</summary>
    /// <exception cref="ArgumentException">A template of another dimension or key, mismatched lists, a block's subject ids not distinct non-empty ids of at most 256 bytes, an encryptor or key of another parameter set, or another public key than the gallery's earlier entries were encrypted under.</exception>
    public void Add(CkksEncryptor encryptor, CkksPublicKey publicKey, IReadOnlyList<string> subjectIds, IReadOnlyList<TransformedTemplate> templates, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(subjectIds);
        ArgumentNullException.ThrowIfNull(templates);
        CheckParameters(encryptor.Parameters, nameof(encryptor));
        CheckParameters(publicKey.Parameters, nameof(publicKey));
        if (subjectIds.Count != templates.Count)
        {
            throw new ArgumentException("One subject id per template.", nameof(subjectIds));
        }

        if (templates.Any(t => t.Dimension != Dimension || t.KeyId != GalleryKeyId))
        {
            throw new ArgumentException($"Every template has dimension {Dimension} and was transformed with the gallery key {GalleryKeyId}.", nameof(templates));
        }

        if (_publicKey is not null && !ReferenceEquals(_publicKey, publicKey) && !CkksSerializer.Serialize(_publicKey).AsSpan().SequenceEqual(CkksSerializer.Serialize(publicKey)))
        {
            throw new ArgumentException("A gallery's entries are all encrypted under one 1:N public key.", nameof(publicKey));
        }

        for (var start = 0; start < templates.Count; start += BlockSize)
        {
            GalleryFormat.CheckSubjectIds([.. subjectIds.Skip(start).Take(BlockSize)], m => new ArgumentException(m, nameof(subjectIds)));
        }

        _encryptor = encryptor;
        _publicKey = publicKey;

        for (var start = 0; start < templates.Count; start += BlockSize)
        {
            var count = Math.Min(BlockSize, templates.Count - start);
            var columns = CkksEvaluator.Batch(Enumerable.Range(0, Dimension).ToArray(), j =>
            {
                var slots = new Complex[SlotCount];
                for (var k = 0; k < count; k++)
                {
                    var value = (double)templates[start + k].Values[j];
                    slots[k % SlotCount] += k < SlotCount ? value : new Complex(0, value);
                }

                var column = encryptor.Encrypt(publicKey, encryptor.Encode(slots, Level, GalleryScheme.GalleryScale));
                Array.Clear(slots);
                return column;
            }, maxDegreeOfParallelism);
            _blocks.Add(new EncryptedGalleryBlock(GalleryKeyId, Dimension, [.. subjectIds.Skip(start).Take(count)], CkksCiphertextBatch.Create(columns)));
        }
    }

    /// <summary>
    /// The search (the capture side): for each block, an encryption of score_k − t in place k, at the result scale 2^61,
    /// re-randomised by a fresh public-key encryption of −t (<see cref="SearchResult"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The probe was prepared for another gallery key or dimension.</exception>
    public IReadOnlyList<EncryptedBlockScores> Search(GalleryProbe probe, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.GalleryKeyId != GalleryKeyId || probe.Dimension != Dimension)
        {
            throw new ArgumentException($"The probe was not prepared with this gallery's key {GalleryKeyId} at dimension {Dimension}.", nameof(probe));
        }

        // The fresh encryptions, one per block, on all cores first: each is a few milliseconds of one core, as much as
        // the weighted sum of a block on two.
        var encryptor = _encryptor!;
        var publicKey = _publicKey!;
        var fresh = new CkksCiphertext[_blocks.Count];
        Parallel.For(0, fresh.Length, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? -1 }, i => fresh[i] = encryptor.Encrypt(publicKey, probe.Threshold));
        var evaluator = new CkksEvaluator(GalleryScheme.Parameters);
        return [.. _blocks.Select((block, i) => new EncryptedBlockScores(
            block.SubjectIds,
            AddToWeightedSum(evaluator, fresh[i], block.Columns, probe.Weights, maxDegreeOfParallelism)))];
    }

    /// <summary>
    /// One block's search result, Σ_j w_j·column_j + Enc_pk(<paramref name="threshold"/>) at the search level: the batch
    /// kernel's weighted sum plus a fresh public-key encryption of the threshold plaintext. The fresh encryption makes
    /// the result's (c0, c1) pseudorandom (RLWE) given the columns, so the result carries no integer relation to them;
    /// its noise (a fresh encryption's, about 2^8) adds under 10^-5 to the sum's (about 2^17). The calibration
    /// (<see cref="GalleryKeyHolder.Calibrate"/>) measures this same function.
    /// </summary>
    internal static CkksCiphertext SearchResult(CkksEvaluator evaluator, CkksEncryptor encryptor, CkksPublicKey publicKey, CkksCiphertextBatch columns, ReadOnlySpan<int> weights, CkksPlaintext threshold, int? maxDegreeOfParallelism = null) =>
        AddToWeightedSum(evaluator, encryptor.Encrypt(publicKey, threshold), columns, weights, maxDegreeOfParallelism);

    /// <summary>The same with the fresh encryption of the threshold made beforehand (used once, for this result only).</summary>
    private static CkksCiphertext AddToWeightedSum(CkksEvaluator evaluator, CkksCiphertext freshThreshold, CkksCiphertextBatch columns, ReadOnlySpan<int> weights, int? maxDegreeOfParallelism) =>
        evaluator.Add(columns.WeightedSum(weights, GalleryScheme.ProbeScale, GalleryScheme.SearchLevel, maxDegreeOfParallelism), freshThreshold);

    /// <summary>
    /// Renews the gallery to <paramref name="next"/> (the capture side, which holds both keys; no other role takes part):
    /// with Q and Q′ the two keys' transforms, every block's columns become M·columns for M = Q′·Qᵀ, so each stored Q·x
    /// becomes Q′·x without any template being decrypted or re-captured. M's entries are rounded to multiples of 1/r for
    /// the top renewal prime r, the sum is divided by r (one rescale), and the scale is back to Δ_g; the noise keeps its
    /// size because M is orthogonal. Before the division, each renewed column gets a fresh public-key encryption of zero
    /// (the gallery's 1:N public key), so it is no integer image of the old columns: without it r·c′ − round(r·M)·c would
    /// be the rounding, below 2^19, and a kept copy of the old gallery would link to the new one (an LWE instance in M).
    /// The division by r shrinks that encryption's noise to about 2^-11, so a renewed gallery's search error is that of
    /// a fresh one. Each pass over a block computes 32 output coordinates (two digits each). The result is a new gallery
    /// one level lower; destroy <paramref name="current"/>, every old probe and every copy (backups included) of the old
    /// gallery afterwards: the old gallery's plaintexts are the new one's under the old key, the only link left.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="current"/> is not this gallery's key, or <paramref name="next"/> is the same key or serves another purpose.</exception>
    /// <exception cref="InvalidOperationException">No renewal prime is left: the subjects must enrol again.</exception>
    public EncryptedGallery Renew(GalleryTransformationKey current, GalleryTransformationKey next, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        if (current.Id != GalleryKeyId)
        {
            throw new ArgumentException("This is not the gallery's current key.", nameof(current));
        }

        if (next.Id == GalleryKeyId || next.Purpose != Purpose)
        {
            throw new ArgumentException("The next key is a different key of the same purpose.", nameof(next));
        }

        if (RenewalsLeft <= 0)
        {
            throw new InvalidOperationException("This gallery has no renewal prime left; its subjects must enrol again under the new key.");
        }

        var d = Dimension;
        var r = GalleryScheme.Parameters.CiphertextModuli.Moduli[Level].Value;
        const int Digit = CkksCiphertextBatch.MaxWeight;

        // Row j of M = Q′·Qᵀ as integers round(r·M_jk) = high·2^10 + low, each part within a batch's weights.
        var weights = RenewalWeights(current, next, d, r);
        var high = new int[d][];
        var low = new int[d][];
        for (var j = 0; j < d; j++)
        {
            high[j] = new int[d];
            low[j] = new int[d];
            for (var k = 0; k < d; k++)
            {
                var w = weights[j][k];
                var lowPart = (int)(((w % Digit) + Digit + (Digit / 2)) % Digit) - (Digit / 2);
                low[j][k] = lowPart;
                high[j][k] = (int)((w - lowPart) / Digit);
            }

            Array.Clear(weights[j]);
        }

        var evaluator = new CkksEvaluator(GalleryScheme.Parameters);
        var blocks = new List<EncryptedGalleryBlock>(_blocks.Count);
        const int OutputsPerPass = 32;

        // Zero at the renewal level and the sums' scale Δ_g·r, encrypted afresh for every renewed column.
        var zero = _blocks.Count == 0 ? null : _encryptor!.Encode(new Complex[SlotCount], Level, GalleryScheme.GalleryScale * r);
        foreach (var block in _blocks)
        {
            var columns = new CkksCiphertext[d];
            for (var from = 0; from < d; from += OutputsPerPass)
            {
                // One pass over the block for 32 output coordinates, both digits: Σ_k (2^10·high + low)·column_k at
                // scale Δ_g·r, then divided by r.
                var count = Math.Min(OutputsPerPass, d - from);
                var highSums = block.Columns.WeightedSums(high[from..(from + count)], r / (double)Digit, maxDegreeOfParallelism: maxDegreeOfParallelism);
                var lowSums = block.Columns.WeightedSums(low[from..(from + count)], r, maxDegreeOfParallelism: maxDegreeOfParallelism);
                var renewed = CkksEvaluator.Batch(Enumerable.Range(0, count).ToArray(), j =>
                {
                    var sum = evaluator.Add(evaluator.MultiplyByConstant(highSums[j], 1, Digit), lowSums[j]);
                    return evaluator.Rescale(evaluator.Add(sum, _encryptor!.Encrypt(_publicKey!, zero!)));
                }, maxDegreeOfParallelism);
                renewed.CopyTo(columns, from);
            }

            blocks.Add(new EncryptedGalleryBlock(next.Id, d, block.SubjectIds, CkksCiphertextBatch.Create(columns)));
        }

        foreach (var row in high.Concat(low))
        {
            Array.Clear(row);
        }

        return new EncryptedGallery(this, next, blocks);
    }

    /// <summary>round(r·M_jk) for M = Q′·Qᵀ, the renewal from <paramref name="current"/> to <paramref name="next"/> (row j: output coordinate j).</summary>
    internal static long[][] RenewalWeights(GalleryTransformationKey current, GalleryTransformationKey next, int dimension, ulong r)
    {
        var d = dimension;
        var q = current.Matrix(d);
        var qNext = next.Matrix(d);
        var weights = new long[d][];
        for (var j = 0; j < d; j++)
        {
            weights[j] = new long[d];
            for (var k = 0; k < d; k++)
            {
                var m = 0.0;
                for (var i = 0; i < d; i++)
                {
                    m += qNext[(j * d) + i] * q[(k * d) + i];
                }

                weights[j][k] = (long)Math.Round(m * r);
            }
        }

        return weights;
    }

    /// <summary>Throws unless <paramref name="parameters"/> is the 1:N parameter set.</summary>
    internal static void CheckParameters(CkksParameters parameters, string name)
    {
        if (!ReferenceEquals(parameters, GalleryScheme.Parameters))
        {
            throw new ArgumentException("1:N identification uses its own provider key of GalleryScheme.Parameters, never the 1:1 key.", name);
        }
    }
}
