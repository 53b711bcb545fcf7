using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// One block of an <see cref="EncryptedGallery"/>: up to N subjects' templates as d encrypted columns, with the subject
/// ids in slot order. The unit a gallery is stored, sent and sharded by: a block searches itself
/// (<see cref="Search"/>) with nothing but the probe and the 1:N public key, and crosses trust boundaries only through
/// <see cref="Serialize"/> and the validating <see cref="Deserialize"/>. Immutable.
/// </summary>
public sealed class EncryptedGalleryBlock
{
    private static readonly byte[] Magic = "OBGB"u8.ToArray();

    internal EncryptedGalleryBlock(string galleryKeyId, int dimension, IReadOnlyList<string> subjectIds, CkksCiphertextBatch columns)
    {
        GalleryKeyId = galleryKeyId;
        Dimension = dimension;
        SubjectIds = subjectIds;
        Columns = columns;
    }

    /// <summary>The gallery key's id.</summary>
    public string GalleryKeyId { get; }

    /// <summary>Template dimension: the number of columns.</summary>
    public int Dimension { get; }

    /// <summary>The subjects, in slot order (k: real part of slot k for k &lt; N/2, imaginary part of slot k − N/2 after).</summary>
    public IReadOnlyList<string> SubjectIds { get; }

    /// <summary>The level the columns are stored at.</summary>
    public int Level => Columns.Level;

    /// <summary>Memory the encrypted columns take, in bytes.</summary>
    public long SizeInBytes => Columns.SizeInBytes;

    internal CkksCiphertextBatch Columns { get; }

    /// <summary>
    /// This block's search result (the computation <see cref="EncryptedGallery.Search"/> makes for each of its blocks):
    /// Σ_j w_j·column_j + Enc_pk(−t), re-randomised by a fresh encryption under <paramref name="publicKey"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The probe was prepared for another gallery key or dimension, or the key or encryptor is not of the 1:N parameter set.</exception>
    public EncryptedBlockScores Search(GalleryProbe probe, CkksEncryptor encryptor, CkksPublicKey publicKey, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(publicKey);
        EncryptedGallery.CheckParameters(encryptor.Parameters, nameof(encryptor));
        EncryptedGallery.CheckParameters(publicKey.Parameters, nameof(publicKey));
        CheckProbe(probe);
        var evaluator = new CkksEvaluator(GalleryScheme.Parameters);
        return new EncryptedBlockScores(SubjectIds, EncryptedGallery.SearchResult(evaluator, encryptor, publicKey, Columns, probe.Weights, probe.Threshold, maxDegreeOfParallelism));
    }

    /// <summary>
    /// The block as bytes: <c>"OBGB"</c>, version 1, the gallery key id, the dimension, the level, the subject ids, then
    /// the d columns in the engine's ciphertext format (4 limbs of 8192 residues each at the top level: about 210 KB a column).
    /// </summary>
    public byte[] Serialize()
    {
        var output = new List<byte>();
        GalleryFormat.Header(output, Magic);
        GalleryFormat.String(output, GalleryKeyId);
        GalleryFormat.Int32(output, Dimension);
        output.Add((byte)Level);
        GalleryFormat.SubjectIds(output, SubjectIds);
        for (var j = 0; j < Dimension; j++)
        {
            GalleryFormat.Ciphertext(output, Columns.Ciphertext(j));
        }

        return [.. output];
    }

    /// <summary>
    /// Reads a block of the gallery with key <paramref name="galleryKeyId"/> and dimension <paramref name="dimension"/>,
    /// checking everything on the way: magic and version, the key id and dimension against the expected ones, the level
    /// between the search level and the top, 1 to N distinct subject ids, exactly d columns of the 1:N parameter set at
    /// the block's level and the gallery scale, every residue below its modulus, no trailing bytes.
    /// </summary>
    /// <exception cref="GalleryFormatException">Any of these fails; the message names the rule, never the data.</exception>
    public static EncryptedGalleryBlock Deserialize(ReadOnlySpan<byte> data, string galleryKeyId, int dimension)
    {
        ArgumentException.ThrowIfNullOrEmpty(galleryKeyId);
        var r = new GalleryFormat.Reader(data, Magic, "gallery block");
        if (r.String() != galleryKeyId)
        {
            throw r.Error("The block belongs to another gallery key.");
        }

        if (r.Int32() != dimension)
        {
            throw r.Error("The block's dimension is not the gallery's.");
        }

        var level = r.Byte();
        if (level < GalleryScheme.SearchLevel || level > GalleryScheme.Parameters.MaxLevel)
        {
            throw r.Error($"A block's level is between {GalleryScheme.SearchLevel} and {GalleryScheme.Parameters.MaxLevel}.");
        }

        var subjectIds = r.SubjectIds();
        var columns = new CkksCiphertext[dimension];
        for (var j = 0; j < dimension; j++)
        {
            var column = r.Ciphertext();
            if (column.Level != level || !ScaleIs(column.Scale, GalleryScheme.GalleryScale))
            {
                throw r.Error("A column is not at the block's level and the gallery scale.");
            }

            columns[j] = column;
        }

        r.End();
        return new EncryptedGalleryBlock(galleryKeyId, dimension, subjectIds, CkksCiphertextBatch.Create(columns));
    }

    /// <inheritdoc/>
    public override string ToString() => $"EncryptedGalleryBlock({GalleryKeyId}, d = {Dimension}, {SubjectIds.Count} subjects)";

    internal void CheckProbe(GalleryProbe probe)
    {
        if (probe.GalleryKeyId != GalleryKeyId || probe.Dimension != Dimension)
        {
            throw new ArgumentException($"The probe was not prepared with this gallery's key {GalleryKeyId} at dimension {Dimension}.", nameof(probe));
        }
    }

    internal static bool ScaleIs(double scale, double expected) => Math.Abs(scale - expected) <= 1e-9 * expected;
}
