using System.Globalization;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Cli;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.EndToEnd.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Eval_on_a_folder_of_photos_runs_the_capture_pipeline_and_reports_refusals_and_residence_times()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_dir.Path, "photos")).FullName;
        void Person(string name, byte[] photo)
        {
            var folder = Directory.CreateDirectory(Path.Combine(photos, name)).FullName;
            File.WriteAllBytes(Path.Combine(folder, "a.jpg"), TestPhotos.Variant(photo, quality: 95));
            File.WriteAllBytes(Path.Combine(folder, "b.jpg"), TestPhotos.Variant(photo, degrees: 9, scale: 0.8f));
            File.WriteAllBytes(Path.Combine(folder, "c.jpg"), TestPhotos.Variant(photo, degrees: -6, brightness: 0.8f, quality: 60));
        }

        Person("hopper", TestPhotos.Hopper);
        Person("collins", TestPhotos.Collins);
        File.WriteAllBytes(Path.Combine(photos, "collins", "d.jpg"), TestPhotos.Variant(TestPhotos.NoFace));

        var (code, stdout, stderr) = await Cli.RunAsync("eval", "--images", photos, "--models", await RealFaceModels.DirectoryAsync(), "--impostor-pairs", "50", "--deployed-pairs", "4", "--threshold", FaceModelCatalog.DlibResNet128.MatchThreshold!.Value.ToString(CultureInfo.InvariantCulture));

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("7/7", stderr, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        var capture = root.GetProperty("capture");
        Assert.Equal(7, capture.GetProperty("photos").GetInt32());
        Assert.Equal(6, capture.GetProperty("captured").GetInt32());
        Assert.Equal("collins/d.jpg", capture.GetProperty("refused").GetProperty("NoFace")[0].GetString());
        Assert.True(capture.GetProperty("milliseconds").GetProperty("imageResidenceP99").GetDouble() > 0);
        Assert.Equal(6, root.GetProperty("templates").GetInt32());
        Assert.Equal(0, root.GetProperty("plaintext").GetProperty("equalErrorRate").GetDouble());

        var none = await Cli.RunAsync("eval", "--images", photos, "--embeddings", Path.Combine(photos, "x.csv"));
        Assert.Equal(ExitCodes.Usage, none.Code);
        var empty = await Cli.RunAsync("eval", "--images", Directory.CreateDirectory(Path.Combine(_dir.Path, "empty")).FullName, "--models", await RealFaceModels.DirectoryAsync());
        Assert.Equal(ExitCodes.Usage, empty.Code);
    }

    [Fact]
    public async Task Eval_reports_matching_accuracy_in_plaintext_transformed_and_encrypted_and_writes_the_curves()
    {
        var csv = Path.Combine(_dir.Path, "embeddings.csv");
        await File.WriteAllTextAsync(csv, SyntheticCsv(subjects: 30, captures: 3, dimension: 128), TestContext.Current.CancellationToken);
        var curves = Path.Combine(_dir.Path, "curves");

        var (code, stdout, stderr) = await Cli.RunAsync("eval", "--embeddings", csv, "--thresholds", "0.4,0.6", "--impostor-pairs", "500", "--deployed-pairs", "8", "--out", curves);

        Assert.True(code == ExitCodes.Success, stderr);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.Equal(90, root.GetProperty("templates").GetInt32());
        Assert.Equal(90, root.GetProperty("genuinePairs").GetInt32());
        Assert.True(root.GetProperty("maxScoreDeviation").GetDouble() < 1e-4);
        var plainEer = root.GetProperty("plaintext").GetProperty("equalErrorRate").GetDouble();
        Assert.Equal(plainEer, root.GetProperty("encrypted").GetProperty("equalErrorRate").GetDouble(), 2);
        Assert.Equal(plainEer, root.GetProperty("transformed").GetProperty("equalErrorRate").GetDouble(), 2);
        Assert.Equal(2, root.GetProperty("encrypted").GetProperty("rates").GetArrayLength());
        Assert.InRange(root.GetProperty("unlinkability").GetProperty("systemLinkability").GetDouble(), 0, 0.35);

        // The report names the circuit each encrypted measure comes from; the deployed path decides exactly as the
        // quantised integers do, and the quantisation moves the EER by less than a tenth of a percentage point here.
        Assert.Contains("not the 1:1 decision path", root.GetProperty("encrypted").GetProperty("circuit").GetString(), StringComparison.Ordinal);
        var quantised = root.GetProperty("quantised");
        Assert.Equal(256, quantised.GetProperty("scale").GetInt32());
        Assert.InRange(Math.Abs(quantised.GetProperty("equalErrorRateChangePercentagePoints").GetDouble()), 0, 0.1);
        var deployed = root.GetProperty("deployed");
        Assert.Contains("deployed 1:1 decision path", deployed.GetProperty("circuit").GetString(), StringComparison.Ordinal);
        Assert.Equal((4, 4), (deployed.GetProperty("genuinePairs").GetInt32(), deployed.GetProperty("impostorPairs").GetInt32()));
        Assert.Equal(0, deployed.GetProperty("decisionsDifferingFromQuantised").GetInt32());
        Assert.Equal(0, deployed.GetProperty("flippedDecisions").GetInt32());
        foreach (var file in new[] { "det-plaintext.csv", "det-transformed.csv", "det-encrypted.csv", "det-quantised.csv", "unlinkability.csv" })
        {
            Assert.True(File.ReadAllLines(Path.Combine(curves, file)).Length > 2, file);
        }

        Assert.Empty(FileModes.WiderThanOwnerOnly(curves));

        // The plots decode as PNGs of the stated size, with a title and each series drawn in its own colour.
        using var det = SKBitmap.Decode(Path.Combine(curves, "det.png"));
        Assert.Equal((900, 700), (det.Width, det.Height));
        Assert.True(Count(det, SKColors.Black, top: 0, bottom: 50) > 50, "the DET plot has no title");
        foreach (var series in new[] { new SKColor(0x1F, 0x77, 0xB4), new SKColor(0xFF, 0x7F, 0x0E), new SKColor(0x2C, 0xA0, 0x2C) })
        {
            Assert.True(Count(det, series, top: 150, bottom: 620) > 200, $"series {series} missing from the DET plot"); // below the legend
        }

        using var linkage = SKBitmap.Decode(Path.Combine(curves, "unlinkability.png"));
        Assert.Equal((900, 700), (linkage.Width, linkage.Height));
        Assert.True(Count(linkage, SKColors.Black, top: 0, bottom: 50) > 50, "the unlinkability plot has no title");
        Assert.True(Count(linkage, SKColors.Black, top: 62, bottom: 618) > 300, "no D↔(s) line or frame in the unlinkability plot");
    }

    /// <summary>Pixels within a small distance of <paramref name="color"/> between two rows.</summary>
    private static int Count(SKBitmap bitmap, SKColor color, int top, int bottom)
    {
        var count = 0;
        for (var y = top; y < bottom; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - color.Red) + Math.Abs(p.Green - color.Green) + Math.Abs(p.Blue - color.Blue) < 24)
                {
                    count++;
                }
            }
        }

        return count;
    }

    [Fact]
    public async Task Eval_names_the_bad_line_of_a_malformed_file()
    {
        var csv = Path.Combine(_dir.Path, "bad.csv");
        var good = string.Join(',', Enumerable.Repeat("0.1", 128));
        await File.WriteAllTextAsync(csv, $"label,{string.Join(',', Enumerable.Range(1, 128))}\nalice,{good}\nbob,{good[..^3]}oops\n", TestContext.Current.CancellationToken);
        var (code, _, stderr) = await Cli.RunAsync("eval", "--embeddings", csv);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Line 3", stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("eval", "--embeddings", Path.Combine(_dir.Path, "missing.csv"))).Code);
    }

    internal static string SyntheticCsv(int subjects, int captures, int dimension)
    {
        var random = new Random(5);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var text = new StringBuilder();
        for (var s = 0; s < subjects; s++)
        {
            var identity = Enumerable.Range(0, dimension).Select(_ => Normal()).ToArray();
            for (var c = 0; c < captures; c++)
            {
                text.Append(CultureInfo.InvariantCulture, $"person-{s}");
                foreach (var v in identity)
                {
                    text.Append(CultureInfo.InvariantCulture, $",{v + (0.5 * Normal()):F5}");
                }

                text.AppendLine();
            }
        }

        return text.ToString();
    }
}
