using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Biometrics.Templates;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>The whole capture pipeline on real photographs with the pinned models.</summary>
public sealed class FaceCaptureTests
{
    private static double Threshold => FaceModelCatalog.DlibResNet128.MatchThreshold!.Value;

    private static async Task<FaceCapture> OpenAsync(FaceCaptureOptions? options = null) =>
        FaceCapture.Open(await RealFaceModels.StoreAsync(), options);

    private static FaceTemplate Template(FaceCapture capture, byte[] photo)
    {
        var result = capture.Capture(photo);
        Assert.True(result.Succeeded, $"{result.Refusal}: {result.Message}");
        Assert.Equal(1, result.FacesFound);
        return result.Template!;
    }

    /// <summary>
    /// The calibration behind <see cref="FaceModelCard.MatchThreshold"/>: every pair among the real photos and their
    /// changed copies (rotated up to 20°, rescaled 0.4–1.5×, darkened, recompressed) that the pipeline captures. Genuine
    /// pairs are copies of one photo, not independent photos of one person (see docs/biometrics.md).
    /// </summary>
    [Fact]
    public async Task The_model_threshold_separates_every_genuine_pair_from_every_impostor_pair_of_the_real_photos()
    {
        using var capture = await OpenAsync();
        var templates = new List<(string Person, string Variant, FaceTemplate Template)>();
        foreach (var (person, photo) in new[] { ("hopper", TestPhotos.Hopper), ("collins", TestPhotos.Collins), ("cameraman", TestPhotos.Cameraman) })
        {
            var variants = new (string Name, byte[] Bytes)[]
            {
                ("original", photo),
                ("rotated 12°", TestPhotos.Variant(photo, degrees: 12)),
                ("rotated −8°, 0.6×", TestPhotos.Variant(photo, degrees: -8, scale: 0.6f)),
                ("darker, JPEG 50", TestPhotos.Variant(photo, brightness: 0.7f, quality: 50)),
                ("1.5×, brighter", TestPhotos.Variant(photo, scale: 1.5f, brightness: 1.15f)),
                ("rotated 20°", TestPhotos.Variant(photo, degrees: 20)),
                ("0.4×", TestPhotos.Variant(photo, scale: 0.4f)),
            };
            foreach (var (name, bytes) in variants)
            {
                var result = capture.Capture(bytes);
                TestContext.Current.TestOutputHelper?.WriteLine($"{person}, {name}: {(result.Succeeded ? "captured" : result.Refusal.ToString())}, score {result.Face?.Score:F2}, eyes {result.Face?.EyeDistance:F0} px");
                if (result.Template is { } template)
                {
                    templates.Add((person, name, template));
                }
            }
        }

        var genuine = new List<double>();
        var impostor = new List<double>();
        for (var i = 0; i < templates.Count; i++)
        {
            for (var j = i + 1; j < templates.Count; j++)
            {
                (templates[i].Person == templates[j].Person ? genuine : impostor).Add(templates[i].Template.Similarity(templates[j].Template));
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{genuine.Count} genuine pairs, lowest {genuine.Min():F4}; {impostor.Count} impostor pairs, highest {impostor.Max():F4}; threshold {Threshold}");
        Assert.True(templates.Count(t => t.Person == "hopper") == 7 && templates.Count(t => t.Person == "collins") >= 6, "the Hopper and Collins copies are captured");
        Assert.True(genuine.Min() >= Threshold, $"a genuine pair scored {genuine.Min():F4}, below {Threshold}");
        Assert.True(impostor.Max() < Threshold, $"an impostor pair scored {impostor.Max():F4}, at or above {Threshold}");
    }

    [Fact]
    public async Task A_photo_without_a_face_is_refused_as_no_face()
    {
        using var capture = await OpenAsync();
        foreach (var photo in new[] { TestPhotos.NoFace, TestPhotos.Blank() })
        {
            var result = capture.Capture(photo);
            Assert.Equal(CaptureRefusal.NoFace, result.Refusal);
            Assert.Null(result.Template);
        }
    }

    [Fact]
    public async Task Two_faces_are_refused_unless_the_largest_is_asked_for()
    {
        var pair = TestPhotos.TwoFacesPng();
        using (var strict = await OpenAsync())
        {
            var refused = strict.Capture(pair);
            Assert.Equal(CaptureRefusal.SeveralFaces, refused.Refusal);
            Assert.Equal(2, refused.FacesFound);
        }

        using var lenient = await OpenAsync(new FaceCaptureOptions { TakeLargestFace = true });
        var taken = lenient.Capture(pair);
        Assert.True(taken.Succeeded, taken.Message);
        var hopper = Template(lenient, TestPhotos.Hopper);
        Assert.True(hopper.Similarity(taken.Template!) >= Threshold);
    }

    [Fact]
    public async Task A_small_face_an_unreadable_file_and_an_oversized_image_are_refused_with_their_reasons()
    {
        using var capture = await OpenAsync(new FaceCaptureOptions { MinEyeDistance = 100 });
        var small = capture.Capture(TestPhotos.Hopper);
        Assert.Equal(CaptureRefusal.FaceTooSmall, small.Refusal);
        Assert.NotNull(small.Face);

        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture("not an image"u8).Refusal);
        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture([]).Refusal);
        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture(TestPhotos.Hopper.AsSpan(0, 200)).Refusal);

        using var tight = await OpenAsync(new FaceCaptureOptions { MaxPixels = 100_000 });
        Assert.Equal(CaptureRefusal.TooLarge, tight.Capture(TestPhotos.Hopper).Refusal);
        using var tiny = await OpenAsync(new FaceCaptureOptions { MaxImageBytes = 1000 });
        Assert.Equal(CaptureRefusal.TooLarge, tiny.Capture(TestPhotos.Hopper).Refusal);
    }

    [Fact]
    public async Task A_demanding_score_refuses_a_face_as_low_score()
    {
        using var capture = await OpenAsync(new FaceCaptureOptions { MinFaceScore = 0.99999f });
        var result = capture.Capture(TestPhotos.Variant(TestPhotos.Hopper, brightness: 0.35f, quality: 30));
        Assert.Equal(CaptureRefusal.LowScore, result.Refusal);
    }

    [Fact]
    public async Task A_folder_is_captured_in_parallel_with_progress_and_the_same_templates_as_one_by_one()
    {
        using var capture = await OpenAsync();
        var paths = new[] { TestPhotos.PathOf("hopper"), TestPhotos.PathOf("collins"), TestPhotos.PathOf("coffee"), Path.Combine(TestPhotos.Folder, "missing.jpg") };
        var reported = new List<int>();
        var results = capture.CaptureFiles(paths, new SynchronousProgress(reported), parallelism: 2, TestContext.Current.CancellationToken);

        Assert.Equal(4, results.Count);
        Assert.Equal([1, 2, 3, 4], reported.Order());
        Assert.Equal(Template(capture, TestPhotos.Hopper).Values.ToArray(), results[0].Template!.Values.ToArray());
        Assert.True(results[1].Succeeded);
        Assert.Equal(CaptureRefusal.NoFace, results[2].Refusal);
        Assert.Equal(CaptureRefusal.Unreadable, results[3].Refusal);
        Assert.All(results.Take(2), r => Assert.True(r.Timings.ImageResidence > TimeSpan.Zero && r.Timings.EmbeddingResidence > TimeSpan.Zero));
        Assert.All(results.Take(2), r => Assert.True(r.Timings.ImageResidence >= r.Timings.Decode + r.Timings.Detect + r.Timings.Align));
    }

    [Fact]
    public void Exif_orientations_map_the_stored_corners_onto_the_upright_image()
    {
        const int w = 4, h = 3;
        foreach (var origin in Enum.GetValues<SKEncodedOrigin>())
        {
            var matrix = FaceCapture.OriginMatrix(origin, w, h);
            var swap = (int)origin >= 5;
            var (uw, uh) = swap ? (h, w) : (w, h);
            foreach (var corner in new[] { new SKPoint(0, 0), new SKPoint(w, 0), new SKPoint(0, h), new SKPoint(w, h) })
            {
                var mapped = matrix.MapPoint(corner);
                Assert.True(mapped.X == 0 || mapped.X == uw, $"{origin}: {corner} → {mapped}");
                Assert.True(mapped.Y == 0 || mapped.Y == uh, $"{origin}: {corner} → {mapped}");
            }
        }

        // Orientation 6 (a phone held upright): the stored top-left pixel is shown at the top right.
        Assert.Equal(new SKPoint(h, 0), FaceCapture.OriginMatrix(SKEncodedOrigin.RightTop, w, h).MapPoint(new SKPoint(0, 0)));
        Assert.Equal(new SKPoint(0, w), FaceCapture.OriginMatrix(SKEncodedOrigin.LeftBottom, w, h).MapPoint(new SKPoint(0, 0)));
    }

    [Fact]
    public void A_jpeg_is_complete_only_when_its_segments_reach_the_end_of_image_marker()
    {
        var jpeg = TestPhotos.Variant(TestPhotos.Hopper, quality: 80);
        Assert.True(JpegStructure.IsComplete(jpeg));
        Assert.True(JpegStructure.IsComplete([.. jpeg, .. "trailing video of a motion photo"u8]));
        foreach (var fraction in new[] { 0.05, 0.3, 0.6, 0.9, 0.999 })
        {
            Assert.False(JpegStructure.IsComplete(jpeg.AsSpan(0, (int)(jpeg.Length * fraction))), fraction.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.False(JpegStructure.IsComplete(jpeg.AsSpan(0, jpeg.Length - 2)));
        Assert.False(JpegStructure.IsComplete(TestPhotos.Blank()));
        Assert.False(JpegStructure.IsComplete([]));
        Assert.True(JpegStructure.IsComplete(File.ReadAllBytes(TestPhotos.PathOf("hopper"))));
    }

    private sealed class SynchronousProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}
