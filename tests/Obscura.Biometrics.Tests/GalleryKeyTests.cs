using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Evaluation;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// What one key per gallery costs, and what it does not: d known (template, transformed template) pairs solve a
/// gallery's transform and invert the rest of that gallery, but nothing else. All in plaintext (the transformed templates
/// an attacker would read from a decrypted gallery), at d = 128 with fixed seeds.
/// </summary>
public sealed class GalleryKeyTests
{
    private const int D = 128;
    private static readonly PurposeId Purpose = PurposeId.Parse("border-watchlist");

    [Fact]
    public void With_one_gallery_key_d_known_pairs_solve_the_transform_and_invert_every_other_entry_of_the_gallery()
    {
        var faces = new SyntheticFaces(D, 40);
        using var galleryKey = GalleryTransformationKey.Generate(Purpose);
        var gallery = Enumerable.Range(0, D + 100).Select(_ => faces.Capture(faces.Identity())).ToArray();

        // D insiders know their own templates and find their transformed entries.
        var solved = SolveTransform(gallery[..D], [.. gallery[..D].Select(galleryKey.Apply)]);
        foreach (var victim in gallery[D..])
        {
            Assert.True(Cosine(Invert(solved, galleryKey.Apply(victim)), victim) > 0.999);
        }
    }

    [Fact]
    public void The_solved_gallery_transform_inverts_no_one_to_one_reference_even_one_made_from_the_same_key_bytes()
    {
        // The worst operator error: the gallery key is made of the very bytes of subject 0's 1:1 enrolment key.
        var faces = new SyntheticFaces(D, 41);
        var identities = Enumerable.Range(0, D + 50).Select(_ => faces.Identity()).ToArray();
        TemplateTransformationKey[] enrolmentKeys = [.. identities.Select(_ => TemplateTransformationKey.Generate())];
        using var galleryKey = GalleryTransformationKey.FromBytes("gtk_from_enrolment_0", Purpose, enrolmentKeys[0].ExportSecret());
        try
        {
            var galleryCaptures = identities.Select(faces.Capture).ToArray();
            var solved = SolveTransform(galleryCaptures[..D], [.. galleryCaptures[..D].Select(galleryKey.Apply)]);
            Assert.True(Cosine(Invert(solved, galleryKey.Apply(galleryCaptures[D])), galleryCaptures[D]) > 0.999); // the gallery falls

            // Each subject's 1:1 reference (another capture, under the subject's own key) stays out of reach: the
            // inverted vector is independent of the face, its cosine with it N(0, 1/128), beyond 0.5 (5.7σ) with
            // probability below 1.2·10^-8 each, 2·10^-6 for all 178.
            for (var s = 0; s < identities.Length; s++)
            {
                var reference = faces.Capture(identities[s]);
                var cosine = Cosine(Invert(solved, CancelableTransform.Apply(enrolmentKeys[s], reference)), reference);
                Assert.True(Math.Abs(cosine) < 0.5, $"subject {s}: cosine {cosine:F3}");
            }
        }
        finally
        {
            foreach (var key in enrolmentKeys)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void A_gallery_is_unlinkable_to_the_same_subjects_one_to_one_references_and_to_another_purposes_gallery()
    {
        var faces = new SyntheticFaces(D, 42);
        const int subjects = 150;
        var identities = Enumerable.Range(0, subjects).Select(_ => faces.Identity()).ToArray();
        TemplateTransformationKey[] enrolmentKeys = [.. identities.Select(_ => TemplateTransformationKey.Generate())];
        using var galleryKey = GalleryTransformationKey.FromBytes("gtk_same_bytes", Purpose, enrolmentKeys[0].ExportSecret());
        using var otherPurposeKey = GalleryTransformationKey.FromBytes("gtk_same_bytes", PurposeId.Parse("another-gallery"), enrolmentKeys[0].ExportSecret());
        try
        {
            var galleryTemplates = identities.Select(i => galleryKey.Apply(faces.Capture(i))).ToArray();
            var references = identities.Select((i, s) => CancelableTransform.Apply(enrolmentKeys[s], faces.Capture(i))).ToArray();
            var otherGallery = identities.Select(i => otherPurposeKey.Apply(faces.Capture(i))).ToArray();
            var sameKey = identities.Select(i => galleryKey.Apply(faces.Capture(i))).ToArray();

            // Mated: the same subject's two protected templates; non-mated: different subjects (every pair). D↔sys over
            // 20 bins; with 150 mated and 22,350 non-mated scores of one distribution, estimation noise stays far below 0.35.
            double Linkage(TransformedTemplate[] other) => Unlinkability.Estimate(
                [.. galleryTemplates.Select((g, s) => g.Similarity(other[s]))],
                [.. galleryTemplates.SelectMany((g, s) => other.Where((_, t) => t != s).Select(o => g.Similarity(o)))],
                bins: 20).System;

            var toReferences = Linkage(references);
            var toOtherGallery = Linkage(otherGallery);
            var control = Linkage(sameKey);
            TestContext.Current.TestOutputHelper?.WriteLine($"D↔sys gallery–1:1 references {toReferences:F3}, gallery–other purpose {toOtherGallery:F3}, same key (control) {control:F3}");
            Assert.InRange(toReferences, 0, 0.35);
            Assert.InRange(toOtherGallery, 0, 0.35);
            Assert.True(control > 0.95, $"the measure must see linkage under one key: {control}");
        }
        finally
        {
            foreach (var key in enrolmentKeys)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void A_gallery_key_is_a_deterministic_orthogonal_transform_and_unusable_once_disposed()
    {
        var faces = new SyntheticFaces(D, 43);
        var x = faces.Capture(faces.Identity());
        var other = faces.Capture(faces.Identity());
        var key = GalleryTransformationKey.Generate(Purpose);
        using var sameBytes = GalleryTransformationKey.FromBytes(key.Id, Purpose, key.ExportSecret());
        var y = key.Apply(x);
        Assert.Equal(y.Values.ToArray(), sameBytes.Apply(x).Values.ToArray());
        Assert.Equal(key.Id, y.KeyId);
        Assert.Equal(1, y.Similarity(y), 5);
        Assert.Equal(Enumerable.Range(0, D).Sum(i => (double)x.Values[i] * other.Values[i]), y.Similarity(key.Apply(other)), 5);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Apply(x));
    }

    /// <summary>Q̂ with Q̂·x_i = y_i for d pairs: the solution of Xᵀ·Q̂ᵀ = Yᵀ by Gaussian elimination with partial pivoting.</summary>
    private static double[,] SolveTransform(FaceTemplate[] inputs, TransformedTemplate[] outputs)
    {
        var d = inputs.Length;
        var a = new double[d, d];
        var b = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                a[i, j] = inputs[i].Values[j];
                b[i, j] = outputs[i].Values[j];
            }
        }

        for (var col = 0; col < d; col++)
        {
            var pivot = Enumerable.Range(col, d - col).MaxBy(r => Math.Abs(a[r, col]));
            for (var j = 0; j < d; j++)
            {
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
                (b[col, j], b[pivot, j]) = (b[pivot, j], b[col, j]);
            }

            for (var r = 0; r < d; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var factor = a[r, col] / a[col, col];
                for (var j = 0; j < d; j++)
                {
                    a[r, j] -= factor * a[col, j];
                    b[r, j] -= factor * b[col, j];
                }
            }
        }

        // Row i of b / a_ii is row i of Q̂ᵀ.
        var q = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                q[j, i] = b[i, j] / a[i, i];
            }
        }

        return q;
    }

    /// <summary>Q̂ᵀ·y: the face behind a transformed template, if Q̂ is its transform.</summary>
    private static double[] Invert(double[,] q, TransformedTemplate y)
    {
        var x = new double[y.Dimension];
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = 0; j < x.Length; j++)
            {
                x[j] += q[i, j] * y.Values[i];
            }
        }

        return x;
    }

    private static double Cosine(double[] x, FaceTemplate face)
    {
        var dot = 0.0;
        var norm = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += x[i] * face.Values[i];
            norm += x[i] * x[i];
        }

        return dot / Math.Sqrt(norm);
    }
}
