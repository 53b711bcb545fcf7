using System.Numerics;
using System.Reflection;
using Obscura.Biometrics.Identification;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Attacks on the 1:N claims of issue 13 (adversarial review). Each test asserts the property the design needs; a test
/// that fails on the code it runs against demonstrates a break. The attacks use no secret key: only what storage (the
/// gallery ciphertexts) and the channel to the key holder (the search results) hold. Reflection only reads the
/// ciphertexts' residues, which a serialised gallery or result carries anyway.
/// </summary>
public sealed class AdversaryIssue13Tests(GalleryProviderFixture fixture) : IClassFixture<GalleryProviderFixture>
{
    private const int Dimension = 128;

    /// <summary>
    /// Claim (docs/biometrics.md, "Layout and search"): the probe "never leaves the capture side", "no new exposure".
    /// Attack: a search result is Σ_j w_j·column_j − t with the probe's integers w_j and no re-randomisation, so its c1
    /// is an exact integer combination of the gallery columns' c1. Whoever holds the gallery ciphertexts (storage, a
    /// backup) and sees one result (the channel to the key holder, the key holder itself) solves a linear system modulo
    /// q_0 and reads the probe's transformed template, with no key. Fails while results are not re-randomised.
    /// </summary>
    [Fact]
    public void A_search_result_does_not_reveal_the_probe_to_whoever_holds_the_gallery_ciphertexts()
    {
        var faces = new SyntheticFaces(Dimension, 1301);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(Dimension, galleryKey);
        var identities = Enumerable.Range(0, 4).Select(_ => faces.Identity()).ToArray();
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["a", "b", "c", "d"], [.. identities.Select(i => galleryKey.Apply(faces.Capture(i)))]);
        var probe = GalleryProbe.Prepare(galleryKey, faces.Capture(identities[2]), 0.5, fixture.Encryptor);
        var result = gallery.Search(probe).Single().Margins;

        // Storage's view: the columns (a keyless unit-weight sum reads column j at the search level) and the result.
        var columns = Blocks(gallery).Single();
        var q = GalleryScheme.Parameters.CiphertextModuli.Moduli[0].Value;
        var unit = new int[Dimension];
        var a = new ulong[Dimension + 8][];
        for (var m = 0; m < a.Length; m++)
        {
            a[m] = new ulong[Dimension + 1];
        }

        for (var j = 0; j < Dimension; j++)
        {
            unit[j] = 1;
            var c1 = C1Limb0(columns.WeightedSum(unit, GalleryScheme.ProbeScale, GalleryScheme.SearchLevel), coefficients: false);
            unit[j] = 0;
            for (var m = 0; m < a.Length; m++)
            {
                a[m][j] = c1[m];
            }
        }

        var target = C1Limb0(result, coefficients: false);
        for (var m = 0; m < a.Length; m++)
        {
            a[m][Dimension] = target[m];
        }

        var recovered = Solve(a, Dimension, q).Select(v => v > q / 2 ? -(long)(q - v) : (long)v).ToArray();
        var matching = recovered.Zip(probe.Weights.ToArray(), (r, w) => r == w).Count(x => x);
        TestContext.Current.TestOutputHelper?.WriteLine($"probe weights recovered exactly from the result and the gallery ciphertexts: {matching} of {Dimension}");
        Assert.True(matching < Dimension / 2, $"{matching} of the probe's {Dimension} quantised coordinates were read from one search result without any key.");
    }

    /// <summary>
    /// Claim (docs/biometrics.md, "Renewal"): a renewed gallery is moved to a fresh key; the question is whether a copy of
    /// the old gallery can be linked to the new one. Renew computes (Σ_k W_jk·column_k − δ)/r with W = round(r·Q′Qᵀ) and
    /// adds no fresh encryption of zero, so r·c1′_j − Σ_k W_jk·c1_k is the rounding δ, below r/2 = 2^19, in every
    /// coefficient: the new gallery is a small-error integer image of the old one (an LWE instance in W of dimension d
    /// with modulus ≥ 2^64 and error 2^19, far outside secure parameters). Whoever kept the old gallery can recover
    /// M = Q′Qᵀ by lattice reduction, link the two galleries and, with the old Q (the compromise renewal should end),
    /// get Q′ = M·Q. This test uses W from both keys to show the relation exists; it fails while renewal does not
    /// re-randomise (a fresh encryption of zero added to each renewed column makes the residue uniform, about 2^31).
    /// </summary>
    [Fact]
    public void A_renewed_gallery_is_re_randomised_so_it_is_no_small_integer_image_of_the_old_gallery()
    {
        var faces = new SyntheticFaces(Dimension, 1302);
        using var first = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        using var second = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(Dimension, first);
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["a", "b"], [first.Apply(faces.Capture(faces.Identity())), first.Apply(faces.Capture(faces.Identity()))]);
        var r = GalleryScheme.Parameters.CiphertextModuli.Moduli[gallery.Level].Value;
        var weights = EncryptedGallery.RenewalWeights(first, second, Dimension, r);
        var renewed = gallery.Renew(first, second);

        var q = GalleryScheme.Parameters.CiphertextModuli.Moduli[0].Value;
        var oldColumns = Columns(Blocks(gallery).Single());
        var newColumns = Columns(Blocks(renewed).Single());
        var largest = 0.0;
        foreach (var j in new[] { 0, 17, 101 })
        {
            for (var i = 0; i < oldColumns[0].Length; i++)
            {
                var sum = (UInt128)(r % q) * newColumns[j][i];
                for (var k = 0; k < Dimension; k++)
                {
                    var w = weights[j][k];
                    sum += (UInt128)(w >= 0 ? (ulong)w : q - (ulong)(-w)) * oldColumns[k][i] * (q - 1); // −W·c
                }

                var residue = (ulong)(sum % q);
                largest = Math.Max(largest, residue > q / 2 ? q - residue : residue);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"largest |r·c1′ − Σ W·c1| mod q_0 over three renewed columns: 2^{Math.Log2(largest):F1} (r = 2^{Math.Log2(r):F1})");
        Assert.True(largest > Math.Pow(2, 25), $"The renewed gallery is the old one's integer image under round(r·Q′Qᵀ) up to 2^{Math.Log2(largest):F1}: linkable by whoever kept the old copy.");
    }

    /// <summary>
    /// Claim (GalleryKeyHolder: "each block is one flooded decryption, reserved in a persistent budget"; the flooding σ is
    /// sized for the policy's t decryptions per key). Attack: two key holders on one key and one shared budget (two
    /// processes on one data folder) each start their own count at the budget's Used when they are created, and the
    /// shared budget carries no limit of its own (the interface has none to check against the policy): together they
    /// make twice the t decryptions the flooding was sized for. Fails while the policy's t is enforced only in memory.
    /// </summary>
    [Fact]
    public void Two_key_holders_sharing_one_budget_never_decrypt_more_than_the_policy_allows()
    {
        var faces = new SyntheticFaces(Dimension, 1303);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(Dimension, galleryKey);
        var identity = faces.Identity();
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["only"], [galleryKey.Apply(faces.Capture(identity))]);
        var results = gallery.Search(GalleryProbe.Prepare(galleryKey, faces.Capture(identity), 0.5, fixture.Encryptor));

        var policy = new NoiseFloodingPolicy(fixture.Policy.ErrorBound, maxDecryptions: 2);
        var shared = new CountingBudget(); // the persistent count two processes share
        using var first = new GalleryKeyHolder(GalleryProviderFixture.Copy(fixture.SecretKey), policy, shared);
        using var second = new GalleryKeyHolder(GalleryProviderFixture.Copy(fixture.SecretKey), policy, shared);
        var served = 0;
        foreach (var holder in new[] { first, second, first, second })
        {
            try
            {
                holder.Identify(results);
                served++;
            }
            catch (Exception e) when (e is InvalidOperationException)
            {
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"flooded decryptions served under a policy of {policy.MaxDecryptions}: {served} (shared budget's count {shared.Used})");
        Assert.True(served <= policy.MaxDecryptions, $"{served} flooded decryptions under one key whose flooding was sized for {policy.MaxDecryptions}.");
    }

    private static List<CkksCiphertextBatch> Blocks(EncryptedGallery gallery) => [.. gallery.Blocks.Select(b => b.Columns)];

    /// <summary>Each column's c1 modulo q_0 in coefficient form, read at the search level with a keyless unit-weight sum.</summary>
    private static ulong[][] Columns(CkksCiphertextBatch batch)
    {
        var unit = new int[Dimension];
        var columns = new ulong[Dimension][];
        for (var j = 0; j < Dimension; j++)
        {
            unit[j] = 1;
            columns[j] = C1Limb0(batch.WeightedSum(unit, GalleryScheme.ProbeScale, GalleryScheme.SearchLevel), coefficients: true);
            unit[j] = 0;
        }

        return columns;
    }

    private static ulong[] C1Limb0(CkksCiphertext ciphertext, bool coefficients)
    {
        var poly = typeof(CkksCiphertext).GetProperty("C1", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(ciphertext)!;
        var copy = poly.GetType().GetMethod("Clone")!.Invoke(poly, null)!;
        if (coefficients)
        {
            var ring = typeof(CkksParameters).GetProperty("Ring", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(GalleryScheme.Parameters)!;
            typeof(CkksCiphertext).Assembly.GetType("Obscura.Homomorphic.Ckks.PolyMath")!.GetMethod("FromNtt")!.Invoke(null, [copy, ring]);
        }

        var data = (ulong[])copy.GetType().GetProperty("Data")!.GetValue(copy)!;
        var n = GalleryScheme.Parameters.PolyDegree;
        return data[..n];
    }

    /// <summary>Solves the first <paramref name="unknowns"/> columns of an augmented system modulo the prime q (Gauss–Jordan).</summary>
    private static ulong[] Solve(ulong[][] rows, int unknowns, ulong q)
    {
        var row = 0;
        for (var col = 0; col < unknowns; col++)
        {
            var pivot = Enumerable.Range(row, rows.Length - row).First(i => rows[i][col] % q != 0);
            (rows[row], rows[pivot]) = (rows[pivot], rows[row]);
            var inverse = (ulong)BigInteger.ModPow(rows[row][col], q - 2, q);
            for (var k = 0; k <= unknowns; k++)
            {
                rows[row][k] = rows[row][k] * inverse % q;
            }

            for (var i = 0; i < rows.Length; i++)
            {
                if (i != row && rows[i][col] != 0)
                {
                    var f = rows[i][col];
                    for (var k = 0; k <= unknowns; k++)
                    {
                        rows[i][k] = (rows[i][k] + ((q - f) * rows[row][k] % q)) % q;
                    }
                }
            }

            row++;
        }

        return [.. Enumerable.Range(0, unknowns).Select(i => rows[i][unknowns])];
    }
}
