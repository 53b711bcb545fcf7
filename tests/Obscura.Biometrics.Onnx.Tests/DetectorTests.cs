using System.Diagnostics;
using Obscura.Biometrics.Onnx.Alignment;
using Obscura.Biometrics.Onnx.Detection;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class DetectorTests
{
    public static TheoryData<BlazeFaceModel> Models => [BlazeFaceModel.Front128, BlazeFaceModel.Back256];

    [Theory]
    [MemberData(nameof(Models))]
    public void Both_models_have_896_cell_centre_anchors_fine_grid_first(BlazeFaceModel model)
    {
        var anchors = BlazeFaceAnchors.Create(model);
        Assert.Equal(896, anchors.Length);
        Assert.Equal(512, BlazeFaceAnchors.FineCount(model));
        Assert.Equal(384, BlazeFaceAnchors.CoarseCount(model));

        // 16×16 cells with 2 anchors each, then 8×8 cells with 6 each, whatever the input size.
        Assert.Equal(new SKPoint(0.5f / 16, 0.5f / 16), anchors[0]);
        Assert.Equal(anchors[0], anchors[1]);
        Assert.Equal(new SKPoint(1.5f / 16, 0.5f / 16), anchors[2]);
        Assert.Equal(new SKPoint(15.5f / 16, 15.5f / 16), anchors[511]);
        Assert.Equal(new SKPoint(0.5f / 8, 0.5f / 8), anchors[512]);
        Assert.Equal(anchors[512], anchors[517]);
        Assert.Equal(new SKPoint(1.5f / 8, 0.5f / 8), anchors[518]);
        Assert.Equal(new SKPoint(7.5f / 8, 7.5f / 8), anchors[895]);
        var (fine, coarse) = BlazeFaceAnchors.Strides(model);
        Assert.Equal(16, BlazeFaceAnchors.InputSize(model) / fine);
        Assert.Equal(8, BlazeFaceAnchors.InputSize(model) / coarse);
    }

    [Fact]
    public void Suppression_blends_overlapping_boxes_by_score_and_keeps_separate_faces()
    {
        var best = Candidate(0.9f, 0.10f, 0.10f, 0.30f, 0.30f);
        var neighbour = Candidate(0.6f, 0.12f, 0.11f, 0.32f, 0.31f);
        var elsewhere = Candidate(0.8f, 0.60f, 0.60f, 0.80f, 0.80f);
        var barelyTouching = Candidate(0.7f, 0.25f, 0.10f, 0.45f, 0.30f); // IoU with best = 0.2/1.8 ≈ 0.14

        var result = WeightedNonMaxSuppression.Apply([neighbour, elsewhere, best, barelyTouching]);

        Assert.Equal([0.9f, 0.8f, 0.7f], result.Select(c => c.Score));
        var blended = result[0].Geometry;
        Assert.Equal(((0.9f * 0.10f) + (0.6f * 0.12f)) / 1.5f, blended[0], 5);
        Assert.Equal(((0.9f * 0.30f) + (0.6f * 0.31f)) / 1.5f, blended[3], 5);
        Assert.Equal(((0.9f * 0.20f) + (0.6f * 0.22f)) / 1.5f, blended[4], 5); // first keypoint x blends too
        // A group of one is itself (up to the rounding of weighting by its own score).
        Assert.All(elsewhere.Geometry.Zip(result[1].Geometry), pair => Assert.Equal(pair.First, pair.Second, 5));
        Assert.All(barelyTouching.Geometry.Zip(result[2].Geometry), pair => Assert.Equal(pair.First, pair.Second, 5));
        Assert.Empty(WeightedNonMaxSuppression.Apply([]));
    }

    [Fact]
    public void Letterbox_centres_the_image_and_maps_points_back_to_its_pixels()
    {
        var box = Letterbox.Fit(400, 200, 128);
        Assert.Equal(0.32f, box.Scale, 6);
        Assert.Equal(SKRect.Create(0, 32, 128, 64), box.Destination);
        Assert.Equal(new SKPoint(0, 0), box.ToImage(0, 0.25f, 128));
        Assert.Equal(new SKPoint(400, 200), box.ToImage(1, 0.75f, 128));
        Assert.Equal(new SKPoint(200, 100), box.ToImage(0.5f, 0.5f, 128));
    }

    [Fact]
    public void The_wrong_model_or_a_bad_threshold_is_refused()
    {
        var front = DetectorModels.Front128();
        var wrongSize = Assert.Throws<InvalidDataException>(() => new BlazeFaceDetector(front, BlazeFaceModel.Back256));
        Assert.Contains("256", wrongSize.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => new BlazeFaceDetector([1, 2, 3], BlazeFaceModel.Front128));
        Assert.Throws<InvalidDataException>(() => new BlazeFaceDetector(TinyOnnxModel.Build(16, 16, 128, TinyOnnxModel.Weights(3 * 16 * 16, 128, 1)), BlazeFaceModel.Front128));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlazeFaceDetector(front, BlazeFaceModel.Front128, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlazeFaceDetector(front, BlazeFaceModel.Front128, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlazeFaceDetector(front, (BlazeFaceModel)7));

        var detector = new BlazeFaceDetector(front, BlazeFaceModel.Front128);
        Assert.Equal(128, detector.InputSize);
        detector.Dispose();
        detector.Dispose();
        using var image = new SKBitmap(8, 8);
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(image));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Hopper_has_one_face_with_its_landmarks_in_anatomical_order(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        using var photo = TestPhotos.Load("hopper.jpg");

        var face = Assert.Single(detector.Detect(photo));
        Report(model, "hopper.jpg", detector, photo);

        Assert.InRange(face.Score, 0.8f, 1f);
        // The face (brow to chin, ear to ear) spans about x 165–365, y 125–325 of the 512×512 portrait.
        Assert.InRange(face.Box.Left, 140, 200);
        Assert.InRange(face.Box.Right, 340, 390);
        Assert.InRange(face.Box.Top, 100, 160);
        Assert.InRange(face.Box.Bottom, 290, 350);
        var (rightEye, leftEye, nose, mouth) = (face.Keypoints[0], face.Keypoints[1], face.Keypoints[2], face.Keypoints[3]);
        Assert.True(rightEye.X < leftEye.X, "The subject's right eye appears on the image's left.");
        Assert.True(face.Keypoints[4].X < rightEye.X && leftEye.X < face.Keypoints[5].X, "The ears lie outside the eyes.");
        Assert.True(rightEye.Y < nose.Y && leftEye.Y < nose.Y && nose.Y < mouth.Y, "Eyes above nose above mouth.");
        Assert.InRange(nose.X, rightEye.X, leftEye.X);
        Assert.All(face.Keypoints.Take(4), p => Assert.True(face.Box.Contains(p)));
        Assert.InRange(face.EyeDistance, 75, 95);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_astronaut_has_one_face(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        using var photo = TestPhotos.Load("collins.jpg");

        var face = Assert.Single(detector.Detect(photo));
        Report(model, "collins.jpg", detector, photo);

        // Her face is at about x 81–175, y 82–174 of the 256×256 crop.
        Assert.InRange(face.Box.MidX, 115, 140);
        Assert.InRange(face.Box.MidY, 115, 140);
        Assert.InRange(face.Box.Width, 75, 115);
        Assert.True(face.Keypoints[0].X < face.Keypoints[1].X);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_cameraman_small_grey_face_is_found_at_his_head(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        using var photo = TestPhotos.Load("cameraman.png");

        // A grey 512×512 image whose subject looks down into his camera; the head is about 80 px across at
        // x 180–265, y 120–210. Both models find it (scores ≈ 0.73 front, ≈ 0.77 back), with landmarks that are
        // less reliable than on a frontal face.
        var face = Assert.Single(detector.Detect(photo));
        Report(model, "cameraman.png", detector, photo);
        Assert.InRange(face.Box.MidX, 190, 250);
        Assert.InRange(face.Box.MidY, 140, 190);
        Assert.InRange(face.Box.Width, 50, 110);
    }

    [Fact]
    public void The_coffee_cup_is_not_a_face()
    {
        using var photo = TestPhotos.Load("coffee.jpg");
        using var front = Detector(BlazeFaceModel.Front128);
        Assert.Empty(front.Detect(photo));
        Report(BlazeFaceModel.Front128, "coffee.jpg", front, photo);

        // The back model scores one anchor on the cup at ≈ 0.71: a false positive at MediaPipe's 0.5, gone at
        // Keijiro's 0.75.
        using var back = Detector(BlazeFaceModel.Back256, minScore: 0.75f);
        Assert.Empty(back.Detect(photo));
        Report(BlazeFaceModel.Back256, "coffee.jpg (min 0.75)", back, photo);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_blank_image_has_no_face(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        foreach (var colour in new[] { SKColors.Black, SKColors.White, SKColors.Gray })
        {
            using var blank = new SKBitmap(320, 240);
            blank.Erase(colour);
            Assert.Empty(detector.Detect(blank));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Two_people_side_by_side_are_two_faces_best_first(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        using var pair = TestPhotos.TwoFaces();

        var faces = detector.Detect(pair);
        Report(model, "two-face composite", detector, pair);

        Assert.Equal(2, faces.Count);
        Assert.True(faces[0].Score >= faces[1].Score);
        var ordered = faces.OrderBy(f => f.Box.MidX).ToArray();
        Assert.InRange(ordered[0].Box.MidX, 60, 200);
        Assert.InRange(ordered[1].Box.MidX, 310, 450);
        Assert.All(faces, f => Assert.True(f.Keypoints[0].X < f.Keypoints[1].X));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_face_turned_20_degrees_is_found_and_aligned_upright(BlazeFaceModel model)
    {
        using var detector = Detector(model);
        using var upright = TestPhotos.Load("hopper.jpg");
        using var rotated = TestPhotos.Rotated(upright, 20);

        var face = Assert.Single(detector.Detect(rotated));
        Report(model, "hopper.jpg turned 20°", detector, rotated);

        // The landmarks follow the rotation: they are the upright photo's, turned (within ~10% of the eye distance).
        var turn = SKMatrix.CreateRotationDegrees(20, upright.Width / 2f, upright.Height / 2f);
        var reference = detector.Detect(upright)[0];
        for (var k = 0; k < 4; k++)
        {
            Assert.InRange(SKPoint.Distance(turn.MapPoint(reference.Keypoints[k]), face.Keypoints[k]), 0, 0.12f * reference.EyeDistance);
        }

        var eyeAngle = Math.Atan2(face.Keypoints[1].Y - face.Keypoints[0].Y, face.Keypoints[1].X - face.Keypoints[0].X) * 180 / Math.PI;
        Assert.InRange(eyeAngle, 13, 27);

        // Aligning to dlib's chip brings the eyes back level, where the template has them: detect again on the
        // chip (set in a black margin so the face is not cut off at the input's edge).
        var template = AlignmentTemplate.DlibChip150;
        using var chip = FaceAligner.Align(rotated, face, template);
        Assert.Equal((150, 150, SKColorType.Rgba8888), (chip.Width, chip.Height, chip.ColorType));
        using var framed = new SKBitmap(300, 300);
        using (var canvas = new SKCanvas(framed))
        using (var chipImage = SKImage.FromBitmap(chip))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(chipImage, 75, 75, new SKSamplingOptions(SKFilterMode.Nearest));
        }

        var again = Assert.Single(detector.Detect(framed));
        for (var k = 0; k < 2; k++)
        {
            var found = again.Keypoints[k] - new SKPoint(75, 75);
            Assert.InRange(SKPoint.Distance(found, template.Points[k]), 0, 5);
        }
    }

    private static BlazeFaceDetector Detector(BlazeFaceModel model, float minScore = 0.5f) => new(
        model == BlazeFaceModel.Front128 ? DetectorModels.Front128() : DetectorModels.Back256(), model, minScore);

    private static BlazeFaceCandidate Candidate(float score, float xMin, float yMin, float xMax, float yMax)
    {
        var geometry = new float[BlazeFaceCandidate.GeometryLength];
        (geometry[0], geometry[1], geometry[2], geometry[3]) = (xMin, yMin, xMax, yMax);
        for (var k = 4; k < geometry.Length; k += 2)
        {
            (geometry[k], geometry[k + 1]) = (xMin + 0.1f, yMin + 0.1f);
        }

        return new BlazeFaceCandidate(score, geometry);
    }

    /// <summary>Writes the detections and a rough per-image time to the test output (a report, not an assertion).</summary>
    private static void Report(BlazeFaceModel model, string what, BlazeFaceDetector detector, SKBitmap image)
    {
        const int runs = 10;
        var faces = detector.Detect(image);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            detector.Detect(image);
        }

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{model} {what} ({image.Width}×{image.Height}): {faces.Count} face(s), {watch.Elapsed.TotalMilliseconds / runs:F1} ms per Detect");
        foreach (var face in faces)
        {
            output?.WriteLine($"  score {face.Score:F3}, box ({face.Box.Left:F0}, {face.Box.Top:F0})–({face.Box.Right:F0}, {face.Box.Bottom:F0}), eye distance {face.EyeDistance:F1} px");
        }
    }
}
