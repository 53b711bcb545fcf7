using Obscura.Biometrics.Onnx.Alignment;
using Obscura.Biometrics.Onnx.Detection;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class AlignmentTests
{
    [Fact]
    public void Estimate_recovers_a_random_similarity_exactly_from_noiseless_points()
    {
        var random = new Random(14);
        for (var trial = 0; trial < 50; trial++)
        {
            var scale = 0.2 + (random.NextDouble() * 3);
            var angle = (random.NextDouble() * 2 * Math.PI) - Math.PI;
            var truth = new SimilarityTransform(scale * Math.Cos(angle), scale * Math.Sin(angle), (random.NextDouble() * 400) - 200, (random.NextDouble() * 400) - 200);
            var from = RandomPoints(random, 2 + random.Next(6));
            var to = from.Select(truth.Apply).ToArray();

            var estimate = SimilarityTransform.Estimate(from, to);

            Assert.Equal(truth.A, estimate.A, 1e-4);
            Assert.Equal(truth.B, estimate.B, 1e-4);
            Assert.Equal(truth.Tx, estimate.Tx, 0.02);
            Assert.Equal(truth.Ty, estimate.Ty, 0.02);
            Assert.Equal(scale, estimate.Scale, 1e-4);
            Assert.Equal(angle, estimate.RotationRadians, 1e-4);
            Assert.InRange(estimate.RmsResidual(from, to), 0, 1e-3);
        }
    }

    [Fact]
    public void A_transform_followed_by_its_inverse_is_the_identity()
    {
        var transform = new SimilarityTransform(1.7, -0.4, 12.5, -30);
        var inverse = transform.Inverse();
        foreach (var composed in new[] { transform.Then(inverse), inverse.Then(transform) })
        {
            Assert.Equal(1, composed.A, 1e-12);
            Assert.Equal(0, composed.B, 1e-12);
            Assert.Equal(0, composed.Tx, 1e-9);
            Assert.Equal(0, composed.Ty, 1e-9);
        }

        var point = new SKPoint(123.5f, -45.25f);
        var back = inverse.Apply(transform.Apply(point));
        Assert.Equal(point.X, back.X, 3);
        Assert.Equal(point.Y, back.Y, 3);
        Assert.Equal(1 / transform.Scale, inverse.Scale, 12);
        Assert.Equal(-transform.RotationRadians, inverse.RotationRadians, 12);
        Assert.Throws<InvalidOperationException>(() => new SimilarityTransform(0, 0, 1, 1).Inverse());
    }

    [Fact]
    public void Rotation_and_scale_read_back_the_fitted_values()
    {
        // A square turned by 30° (clockwise on screen, y down), doubled in size and moved.
        SKPoint[] square = [new(0, 0), new(10, 0), new(10, 10), new(0, 10)];
        var turn = SKMatrix.CreateScale(2, 2).PostConcat(SKMatrix.CreateRotationDegrees(30)).PostConcat(SKMatrix.CreateTranslation(5, -7));
        var moved = square.Select(turn.MapPoint).ToArray();

        var estimate = SimilarityTransform.Estimate(square, moved);

        Assert.Equal(2, estimate.Scale, 5);
        Assert.Equal(Math.PI / 6, estimate.RotationRadians, 5);
        Assert.Equal(5, estimate.Tx, 4);
        Assert.Equal(-7, estimate.Ty, 4);
        Assert.Equal(SimilarityTransform.Identity, SimilarityTransform.Estimate(square, square));
        var matrix = estimate.ToSKMatrix();
        Assert.Equal(moved[2].X, matrix.MapPoint(square[2]).X, 3);
        Assert.Equal(moved[2].Y, matrix.MapPoint(square[2]).Y, 3);
    }

    [Fact]
    public void The_residual_is_zero_for_an_exact_fit_and_positive_with_noise()
    {
        var random = new Random(7);
        var truth = new SimilarityTransform(0.8, 0.3, 40, 25);
        var from = RandomPoints(random, 5);
        var exact = from.Select(truth.Apply).ToArray();
        Assert.Equal(0, SimilarityTransform.Estimate(from, exact).RmsResidual(from, exact), 4);

        var noisy = exact.Select(p => new SKPoint(p.X + (float)((random.NextDouble() - 0.5) * 4), p.Y + (float)((random.NextDouble() - 0.5) * 4))).ToArray();
        var fit = SimilarityTransform.Estimate(from, noisy);
        var residual = fit.RmsResidual(from, noisy);
        Assert.InRange(residual, 0.05, 2);
        // Least squares: the truth fits the noisy points no better than the estimate does.
        Assert.True(truth.RmsResidual(from, noisy) >= residual);
    }

    [Fact]
    public void Degenerate_point_sets_are_refused()
    {
        SKPoint[] one = [new(1, 2)];
        SKPoint[] two = [new(1, 2), new(3, 4)];
        SKPoint[] same = [new(5, 5), new(5, 5), new(5, 5)];
        SKPoint[] spread = [new(0, 0), new(1, 0), new(0, 1)];
        SKPoint[] withNaN = [new(0, 0), new(float.NaN, 1)];
        SKPoint[] withInfinity = [new(0, 0), new(float.PositiveInfinity, 1)];

        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(one, one));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate([], []));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(same, spread));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(spread, same));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(withNaN, two));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(two, withInfinity));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(two, spread));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Identity.RmsResidual(two, spread));
    }

    [Fact]
    public void The_dlib_chip_template_is_150_pixels_with_level_eyes_and_a_centred_nose_and_mouth()
    {
        var template = AlignmentTemplate.DlibChip150;
        Assert.Equal((150, 150), (template.Width, template.Height));
        Assert.Equal(
            [new SKPoint(47.549f, 46.599f), new SKPoint(100.476f, 46.599f), new SKPoint(74.013f, 76.563f), new SKPoint(74.013f, 105.857f)],
            template.Points);
        Assert.Equal((template.Points[0].X + template.Points[1].X) / 2, template.Points[2].X, 2);
    }

    [Fact]
    public void Align_warps_the_keypoints_onto_the_template_points_with_black_outside()
    {
        // A synthetic "face": four coloured dots placed where a turned, shrunken template would put them.
        var template = AlignmentTemplate.DlibChip150;
        var placement = new SimilarityTransform(0.9 * Math.Cos(0.4), 0.9 * Math.Sin(0.4), 10, 5);
        SKColor[] colours = [SKColors.Red, SKColors.Lime, SKColors.Blue, SKColors.Yellow];
        using var image = new SKBitmap(200, 200);
        var keypoints = new SKPoint[6];
        using (var canvas = new SKCanvas(image))
        {
            canvas.Clear(SKColors.White);
            for (var k = 0; k < 4; k++)
            {
                keypoints[k] = placement.Apply(template.Points[k]);
                using var paint = new SKPaint { Color = colours[k] };
                canvas.DrawCircle(keypoints[k], 5, paint);
            }
        }

        (keypoints[4], keypoints[5]) = (new SKPoint(0, 0), new SKPoint(1, 1)); // ears are not used
        var face = new FaceDetection(0.99f, SKRect.Create(0, 0, 200, 200), keypoints);

        using var chip = FaceAligner.Align(image, face, template);

        Assert.Equal((150, 150, SKColorType.Rgba8888), (chip.Width, chip.Height, chip.ColorType));
        for (var k = 0; k < 4; k++)
        {
            var at = template.Points[k];
            Assert.Equal(colours[k], chip.GetPixel((int)MathF.Round(at.X), (int)MathF.Round(at.Y)));
        }

        // The chip reaches beyond the 200×200 image near a corner: black there, white inside.
        var corner = new SKPointI(2, 147);
        Assert.True(placement.Apply(corner).X < -30, "This chip pixel comes from left of the image.");
        Assert.Equal(SKColors.Black, chip.GetPixel(corner.X, corner.Y));
        Assert.Equal(SKColors.White, chip.GetPixel(74, 20));
    }

    [Fact]
    public void Align_refuses_templates_it_cannot_fit()
    {
        using var image = new SKBitmap(10, 10);
        var face = new FaceDetection(1, SKRect.Create(0, 0, 10, 10), [new(2, 2), new(8, 2)]);
        Assert.Throws<ArgumentException>(() => FaceAligner.Align(image, face, AlignmentTemplate.DlibChip150));
        Assert.Throws<ArgumentException>(() => FaceAligner.Align(image, face, new AlignmentTemplate(0, 10, [new(1, 1), new(5, 1)])));
        var sameEyes = face with { Keypoints = [new(2, 2), new(2, 2)] };
        Assert.Throws<ArgumentException>(() => FaceAligner.Align(image, sameEyes, new AlignmentTemplate(10, 10, [new(1, 1), new(5, 1)])));
        Assert.Equal(6, face.EyeDistance, 5);
        Assert.DoesNotContain("Keypoints", face.ToString(), StringComparison.Ordinal);
        Assert.True(float.IsNaN((face with { Keypoints = [new(1, 1)] }).EyeDistance));
    }

    private static SKPoint[] RandomPoints(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => new SKPoint((float)(random.NextDouble() * 300), (float)(random.NextDouble() * 300))).ToArray();
}
