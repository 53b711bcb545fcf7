using System.Buffers.Binary;
using Obscura.Biometrics.Identification;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

/// <summary>A three-subject gallery of one block, its serialised block, a probe and a search result, made once for the validation attacks.</summary>
public sealed class GalleryValidationFixture : IDisposable
{
    public GalleryValidationFixture()
    {
        var faces = new SyntheticFaces(128, 31);
        var identities = Enumerable.Range(0, 3).Select(_ => faces.Identity()).ToArray();
        GalleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        Gallery = new EncryptedGallery(128, GalleryKey);
        Gallery.Add(Provider.Encryptor, Provider.PublicKey, SubjectIds, [.. identities.Select(i => GalleryKey.Apply(faces.Capture(i)))]);
        Block = Gallery.Blocks[0].Serialize();
        Probe = GalleryProbe.Prepare(GalleryKey, faces.Capture(identities[1]), 0.5, Provider.Encryptor);
        Scores = Gallery.Search(Probe)[0];
    }

    /// <summary>Subject ids of equal length, so one can be overwritten with another in place.</summary>
    public static string[] SubjectIds { get; } = ["subject-a", "subject-b", "subject-c"];

    public GalleryProviderFixture Provider { get; } = new();

    public GalleryTransformationKey GalleryKey { get; }

    public EncryptedGallery Gallery { get; }

    public byte[] Block { get; }

    public GalleryProbe Probe { get; }

    public EncryptedBlockScores Scores { get; }

    public void Dispose()
    {
        GalleryKey.Dispose();
        Provider.Dispose();
    }
}

/// <summary>
/// Every rule a serialised block, probe, block's scores or key must pass when it crosses into the gallery, one crafted
/// input per rule: each is refused with the specific exception and a message that names the rule and quotes no subject
/// id, weight or residue.
/// </summary>
public sealed class GalleryValidationTests(GalleryValidationFixture fixture) : IClassFixture<GalleryValidationFixture>
{
    private const int Dimension = 128;

    // Block layout: "OBGB" (4), version (1), key id (2 + 28), dimension (4), level (1), count (4), ids (3 × (2 + 9)),
    // then per column a 4-byte length and the engine's ciphertext: "OBCK", version, kind, fingerprint (16), level (1),
    // scale (8), residues.
    private const int KeyIdOffset = 5;
    private const int DimensionOffset = KeyIdOffset + 2 + 28;
    private const int LevelOffset = DimensionOffset + 4;
    private const int CountOffset = LevelOffset + 1;
    private const int FirstIdOffset = CountOffset + 4;
    private const int ColumnLengthOffset = FirstIdOffset + (3 * 11);
    private const int ColumnOffset = ColumnLengthOffset + 4;
    private const int ColumnFingerprintOffset = ColumnOffset + 6;
    private const int ColumnLevelOffset = ColumnOffset + 22;
    private const int ColumnScaleOffset = ColumnLevelOffset + 1;
    private const int ColumnResiduesOffset = ColumnScaleOffset + 8;

    private string KeyId => fixture.GalleryKey.Id;

    [Fact]
    public void A_serialised_block_reads_back_and_searches_to_the_same_decision()
    {
        var block = EncryptedGalleryBlock.Deserialize(fixture.Block, KeyId, Dimension);
        Assert.Equal((KeyId, Dimension, GalleryScheme.Parameters.MaxLevel), (block.GalleryKeyId, block.Dimension, block.Level));
        Assert.Equal(GalleryValidationFixture.SubjectIds, block.SubjectIds);
        Assert.Equal(fixture.Block, block.Serialize());
        using var keyHolder = fixture.Provider.KeyHolder(new CountingBudget());
        var scores = block.Search(fixture.Probe, fixture.Provider.Encryptor, fixture.Provider.PublicKey);
        Assert.Equal(["subject-b"], keyHolder.Identify([scores]));
        Assert.Equal(["subject-b"], keyHolder.Identify([EncryptedBlockScores.Deserialize(scores.Serialize())]));
        Assert.Equal(["subject-b"], keyHolder.Identify([fixture.Gallery.Blocks[0].Search(GalleryProbe.Deserialize(fixture.Probe.Serialize(), fixture.Provider.Encryptor), fixture.Provider.Encryptor, fixture.Provider.PublicKey)]));
    }

    [Fact]
    public void A_block_with_a_wrong_magic_or_version_is_refused()
    {
        RefusedBlock(b => b[0] ^= 1, "bad magic");
        RefusedBlock(b => b[4] = 2, "version");
    }

    [Fact]
    public void A_block_of_another_gallery_key_is_refused() =>
        Refused(() => EncryptedGalleryBlock.Deserialize(fixture.Block, "gtk_000000000000000000000000", Dimension), "another gallery key");

    [Fact]
    public void A_block_of_another_dimension_is_refused() =>
        Refused(() => EncryptedGalleryBlock.Deserialize(fixture.Block, KeyId, 256), "dimension");

    [Fact]
    public void A_block_below_the_search_level_or_above_the_top_is_refused()
    {
        RefusedBlock(b => b[LevelOffset] = 0, "level is between");
        RefusedBlock(b => b[LevelOffset] = (byte)(GalleryScheme.Parameters.MaxLevel + 1), "level is between");
    }

    [Fact]
    public void A_block_of_no_subjects_or_more_than_n_is_refused_before_anything_is_allocated()
    {
        RefusedBlock(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(CountOffset), 0), "1 to 8192 subjects");
        RefusedBlock(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(CountOffset), int.MaxValue), "1 to 8192 subjects");
        RefusedBlock(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(CountOffset), -1), "1 to 8192 subjects");
    }

    [Fact]
    public void A_block_naming_one_subject_twice_is_refused_without_naming_the_subject()
    {
        // "subject-b" overwritten with "subject-a": the decision would otherwise report a subject for another's slot.
        RefusedBlock(b => "subject-a"u8.CopyTo(b.AsSpan(FirstIdOffset + 11 + 2)), "appears twice");
    }

    [Fact]
    public void A_block_with_an_empty_overlong_or_non_utf8_subject_id_is_refused()
    {
        RefusedBlock(b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(FirstIdOffset), 0), "1 to 256 bytes");
        RefusedBlock(b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(FirstIdOffset), 257), "1 to 256 bytes");
        RefusedBlock(b => b[FirstIdOffset + 2] = 0xFF, "not valid UTF-8");
    }

    [Fact]
    public void A_block_whose_column_belongs_to_another_parameter_set_is_refused() =>
        RefusedBlock(b => b[ColumnFingerprintOffset] ^= 1, "another parameter set");

    [Fact]
    public void A_block_with_a_residue_not_below_its_modulus_is_refused()
    {
        // q_0 is a 32-bit prime, so the packed residue 2^32 − 1 is at or above it.
        RefusedBlock(b => b.AsSpan(ColumnResiduesOffset, 4).Fill(0xFF), "not below its modulus");

        // The boundary: a residue equal to q_0 (packed least significant bit first) is not below it either. Red when
        // the check reads "v <= q" (a residue equal to its prime passed unnoticed in an earlier branch).
        var q0 = GalleryScheme.Parameters.CiphertextModuli.Moduli[0].Value;
        Assert.Equal(32, GalleryScheme.Parameters.CiphertextModuli.Moduli[0].BitCount);
        RefusedBlock(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(ColumnResiduesOffset, 4), (uint)q0), "not below its modulus");
    }

    [Fact]
    public void A_block_whose_columns_are_at_another_level_or_scale_than_the_block_is_refused()
    {
        RefusedBlock(b => b[LevelOffset] = (byte)(GalleryScheme.Parameters.MaxLevel - 1), "block's level and the gallery scale");
        RefusedBlock(b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(ColumnScaleOffset), Math.Pow(2, 40)), "block's level and the gallery scale");
        RefusedBlock(b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(ColumnScaleOffset), double.NaN), "scale must be a finite number");
        RefusedBlock(b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(ColumnScaleOffset), double.PositiveInfinity), "scale must be a finite number");
    }

    [Fact]
    public void A_truncated_block_a_block_with_trailing_bytes_or_a_column_length_beyond_the_data_is_refused()
    {
        Refused(() => EncryptedGalleryBlock.Deserialize(fixture.Block.AsSpan(0, fixture.Block.Length - 1), KeyId, Dimension), "truncated");
        Refused(() => EncryptedGalleryBlock.Deserialize([.. fixture.Block, 0], KeyId, Dimension), "trailing bytes");
        RefusedBlock(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(ColumnLengthOffset), int.MaxValue), "truncated");
    }

    [Fact]
    public void A_probe_with_an_integer_beyond_512_is_refused() =>
        RefusedProbe(w => w[7] = 513, "between −512 and 512");

    [Fact]
    public void A_probe_longer_than_a_unit_template_is_refused_since_the_flooding_does_not_cover_it()
    {
        // Every integer within ±512 but the norm 300·√128 ≈ 3394, over six times the calibrated 523: the search error
        // would be six times what the flooding hides, and each decryption would leak about the 1:N secret key.
        RefusedProbe(w => Array.Fill(w, (short)300), "longer than a unit template");
    }

    [Fact]
    public void A_probe_whose_threshold_is_nan_infinite_or_not_a_cosine_is_refused()
    {
        foreach (var threshold in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1.0, -1.0, 7.5 })
        {
            var bytes = fixture.Probe.Serialize();
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(5 + 2 + 28), threshold);
            Refused(() => GalleryProbe.Deserialize(bytes, fixture.Provider.Encryptor), "threshold is a finite cosine");
        }
    }

    [Fact]
    public void A_probe_of_a_dimension_outside_the_template_limits_truncated_or_with_trailing_bytes_is_refused()
    {
        var bytes = fixture.Probe.Serialize();
        foreach (var dimension in new[] { 0, -1, 127, 513, int.MaxValue })
        {
            var crafted = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(5 + 2 + 28 + 8), dimension);
            Refused(() => GalleryProbe.Deserialize(crafted, fixture.Provider.Encryptor), "128 to 512 coordinates");
        }

        Refused(() => GalleryProbe.Deserialize(bytes.AsSpan(0, bytes.Length - 1), fixture.Provider.Encryptor), "truncated");
        Refused(() => GalleryProbe.Deserialize([.. bytes, 0], fixture.Provider.Encryptor), "trailing bytes");
    }

    [Fact]
    public void Block_scores_not_at_the_search_level_and_result_scale_are_refused()
    {
        var top = fixture.Provider.Encryptor.Encrypt(fixture.Provider.PublicKey, fixture.Provider.Encryptor.Encode(new double[] { 1 }, scale: GalleryScheme.ResultScale));
        Refused(() => EncryptedBlockScores.Deserialize(new EncryptedBlockScores(["subject-a"], top).Serialize()), "search level and the result scale");
    }

    [Fact]
    public void Block_scores_with_a_residue_not_below_its_modulus_or_without_subjects_are_refused()
    {
        var bytes = fixture.Scores.Serialize();

        // "OBGS", version, count, 3 ids, ciphertext length, then the ciphertext's 31-byte header.
        var residues = 5 + 4 + (3 * 11) + 4 + 31;
        var crafted = (byte[])bytes.Clone();
        crafted.AsSpan(residues, 4).Fill(0xFF);
        Refused(() => EncryptedBlockScores.Deserialize(crafted), "not below its modulus");
        crafted = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(5), 0);
        Refused(() => EncryptedBlockScores.Deserialize(crafted), "1 to 8192 subjects");
    }

    [Fact]
    public void The_key_holder_refuses_scores_without_subjects_or_naming_one_twice_before_spending_a_decryption()
    {
        var budget = new CountingBudget();
        using var keyHolder = fixture.Provider.KeyHolder(budget);
        var margins = fixture.Scores.Margins;
        Refused<CkksFormatException>(() => keyHolder.Identify([new EncryptedBlockScores([], margins)]), "1 to 8192 subjects");
        Refused<CkksFormatException>(() => keyHolder.Identify([new EncryptedBlockScores(["subject-a", "subject-a"], margins)]), "appears twice");
        Refused<CkksFormatException>(() => keyHolder.Identify([new EncryptedBlockScores(["subject-a", ""], margins)]), "1 to 256 bytes");
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public void A_gallery_takes_no_block_naming_one_subject_twice()
    {
        var gallery = new EncryptedGallery(Dimension, fixture.GalleryKey);
        var template = fixture.GalleryKey.Apply(new SyntheticFaces(Dimension, 32).Capture(new SyntheticFaces(Dimension, 32).Identity()));
        var error = Assert.Throws<ArgumentException>(() => gallery.Add(fixture.Provider.Encryptor, fixture.Provider.PublicKey, ["subject-a", "subject-a"], [template, template]));
        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("subject-a", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, gallery.Count);
    }

    [Fact]
    public void A_public_key_with_a_zero_half_is_refused_so_a_store_cannot_hand_over_a_key_that_hides_nothing()
    {
        var bytes = CkksSerializer.Serialize(fixture.Provider.PublicKey);
        var half = (bytes.Length - 22) / 2;
        foreach (var offset in new[] { 22, 22 + half })
        {
            var crafted = (byte[])bytes.Clone();
            crafted.AsSpan(offset, half).Clear();
            Refused<CkksFormatException>(() => CkksSerializer.DeserializePublicKey(crafted, GalleryScheme.Parameters), "zero polynomial");
        }

        Assert.NotNull(CkksSerializer.DeserializePublicKey(bytes, GalleryScheme.Parameters));
    }

    [Fact]
    public void A_gallery_key_of_the_wrong_length_or_id_is_refused()
    {
        Refused<ArgumentException>(() => GalleryTransformationKey.FromBytes(KeyId, GalleryProviderFixture.Purpose, new byte[31]), "32 bytes");
        Refused<ArgumentException>(() => GalleryTransformationKey.FromBytes("ttk_0", GalleryProviderFixture.Purpose, new byte[32]), "starts with 'gtk_'");
    }

    private void RefusedBlock(Action<byte[]> craft, string rule)
    {
        var bytes = (byte[])fixture.Block.Clone();
        craft(bytes);
        Refused(() => EncryptedGalleryBlock.Deserialize(bytes, KeyId, Dimension), rule);
    }

    private void RefusedProbe(Action<short[]> craft, string rule)
    {
        var bytes = fixture.Probe.Serialize();
        var weightsOffset = 5 + 2 + 28 + 8 + 4;
        var weights = new short[Dimension];
        for (var j = 0; j < Dimension; j++)
        {
            weights[j] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(weightsOffset + (2 * j)));
        }

        craft(weights);
        for (var j = 0; j < Dimension; j++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(weightsOffset + (2 * j)), weights[j]);
        }

        Refused(() => GalleryProbe.Deserialize(bytes, fixture.Provider.Encryptor), rule);
    }

    private static void Refused(Action read, string rule) => Refused<GalleryFormatException>(read, rule);

    private static void Refused<T>(Action read, string rule)
        where T : Exception
    {
        var error = Assert.Throws<T>(read);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        foreach (var id in GalleryValidationFixture.SubjectIds)
        {
            Assert.DoesNotContain(id, error.Message, StringComparison.Ordinal);
        }
    }
}
