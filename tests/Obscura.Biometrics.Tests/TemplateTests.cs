using CsCheck;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Templates;

namespace Obscura.Biometrics.Tests;

public sealed class TemplateTests
{
    [Theory]
    [InlineData(127)]
    [InlineData(513)]
    public void Templates_outside_128_to_512_dimensions_are_refused(int dimension) =>
        Assert.Throws<ArgumentException>(() => FaceTemplate.FromEmbedding(new float[dimension]));

    [Fact]
    public void Non_finite_and_zero_embeddings_are_refused_and_others_are_normalised()
    {
        var values = Enumerable.Repeat(2f, 128).ToArray();
        Assert.Throws<ArgumentException>(() => FaceTemplate.FromEmbedding(new float[128]));
        values[3] = float.NaN;
        Assert.Throws<ArgumentException>(() => FaceTemplate.FromEmbedding(values));
        values[3] = 2f;
        var template = FaceTemplate.FromEmbedding(values);
        Assert.Equal(1, template.Similarity(template), 5);
        Assert.Equal("FaceTemplate(d = 128)", template.ToString());
    }

    [Fact]
    public void The_transform_keeps_every_inner_product()
    {
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, int.MaxValue]).Sample(t =>
        {
            var dimension = new[] { 128, 256, 512 }[t.Item1];
            var faces = new SyntheticFaces(dimension, t.Item2);
            var x = faces.Capture(faces.Identity());
            var y = faces.Capture(faces.Identity());
            using var key = TemplateTransformationKey.Generate();
            var tx = CancelableTransform.Apply(key, x);
            var ty = CancelableTransform.Apply(key, y);
            Assert.Equal(x.Similarity(y), tx.Similarity(ty), 5);
            Assert.Equal(1, tx.Similarity(tx), 5);
        }, iter: 20);
    }

    [Fact]
    public void The_same_key_gives_the_same_transform_and_another_key_another()
    {
        var faces = new SyntheticFaces(256, 1);
        var x = faces.Capture(faces.Identity());
        using var key = TemplateTransformationKey.Generate();
        using var copy = TemplateTransformationKey.FromBytes(key.Id, key.ExportSecret());
        using var other = TemplateTransformationKey.Generate();
        Assert.Equal(CancelableTransform.Apply(key, x).Values.ToArray(), CancelableTransform.Apply(copy, x).Values.ToArray());
        Assert.NotEqual(CancelableTransform.Apply(key, x).Values.ToArray(), CancelableTransform.Apply(other, x).Values.ToArray());
        Assert.DoesNotContain("secret", key.ToString().Replace("secret hidden", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => CancelableTransform.Apply(key, x));
    }

    [Fact]
    public void Transformed_templates_are_uniform_on_the_sphere_so_enrolments_under_two_keys_are_unlinkable()
    {
        // For a Haar-random Q, Q·x is uniform on the sphere: every coordinate has mean 0 and variance 1/d, and the
        // cosine between Q1·x and Q2·x for independent keys has mean 0 and variance 1/d too. 600 keys; each check
        // allows 6 standard errors (false failure below 1e-8 each, treating the statistics as normal).
        const int d = 128;
        const int n = 600;
        var faces = new SyntheticFaces(d, 2);
        var x = faces.Capture(faces.Identity());
        var firstCoordinates = new double[n];
        var crossKeyScores = new double[n];
        for (var i = 0; i < n; i++)
        {
            using var k1 = TemplateTransformationKey.Generate();
            using var k2 = TemplateTransformationKey.Generate();
            var y1 = CancelableTransform.Apply(k1, x);
            firstCoordinates[i] = y1.Values[0];
            crossKeyScores[i] = y1.Similarity(CancelableTransform.Apply(k2, x));
        }

        foreach (var sample in new[] { firstCoordinates, crossKeyScores })
        {
            var mean = sample.Average();
            var variance = sample.Sum(v => (v - mean) * (v - mean)) / (n - 1);
            Assert.InRange(mean, -6 * Math.Sqrt(1.0 / d / n), 6 * Math.Sqrt(1.0 / d / n));
            Assert.InRange(variance * d, 1 - (6 * Math.Sqrt(2.0 / n)), 1 + (6 * Math.Sqrt(2.0 / n)));
        }
    }
}
