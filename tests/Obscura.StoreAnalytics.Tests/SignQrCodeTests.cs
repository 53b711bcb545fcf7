using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Obscura.StoreAnalytics.Notice;
using Obscura.StoreAnalytics.Notice.Qr;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Tests;

public sealed class SignQrCodeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static NoticeConfiguration Notice() => new()
    {
        Controller = "Butiken Exempel AB",
        ControllerContact = "Storgatan 1, 111 22 Stockholm, integritet@butiken.example",
        LegitimateInterest = "to plan staffing and the store layout from visitor flows and queues",
        Processor = "Analys Moln AB",
        AggregateRetention = "24 months",
        SecondLayerUrl = new Uri("https://butiken.example/kameraanalys?butik=stockholm-city"),
        ObjectionUrl = new Uri("https://butiken.example/invand"),
        InStoreObjection = "walk in through the lane marked in yellow on the left; faces there are not analysed.",
        SupervisoryAuthority = "Integritetsskyddsmyndigheten (IMY), www.imy.se",
    };

    [Fact]
    public async Task The_sign_carries_a_qr_code_that_zbarimg_reads_as_the_second_layer_address()
    {
        var svg = XDocument.Parse(LayeredNotice.Generate(Notice(), EdgeFixtures.Configuration(k: 5)).SignSvg).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        var group = svg.Elements(ns + "g").Single(g => g.Attribute("id")?.Value == "qr-second-layer");
        var transform = Regex.Match(group.Attribute("transform")!.Value, @"translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)");
        Assert.True(transform.Success, group.Attribute("transform")!.Value);
        double Number(int i) => double.Parse(transform.Groups[i].Value, CultureInfo.InvariantCulture);
        var (left, top, scale) = (Number(1), Number(2), Number(3));

        // Inside the sign's border (8 … 202 × 8 … 289 mm), and below the last line of the sign's body text.
        var modules = double.Parse(group.Element(ns + "rect")!.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        Assert.InRange(left, 8, 202 - (modules * scale));
        Assert.InRange(top + (modules * scale), 0, 289);
        var body = svg.Elements(ns + "text").Select(t => double.Parse(t.Attribute("y")!.Value, CultureInfo.InvariantCulture)).Where(y => y < top + (modules * scale)).ToList();
        Assert.True(body.Max() < top, $"the sign's text runs to y = {body.Max()} mm, into the QR code at {top} mm");

        // Draw the page area of the code at 8 pixels per millimetre, as a printer would, and decode it.
        using var path = SKPath.ParseSvgPathData(group.Element(ns + "path")!.Attribute("d")!.Value);
        const float PixelsPerMm = 8;
        var side = (int)Math.Ceiling(modules * scale * PixelsPerMm);
        using var bitmap = new SKBitmap(side, side);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale((float)(scale * PixelsPerMm));
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawPath(path, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        Assert.Equal(Notice().SecondLayerUrl.AbsoluteUri, await Zbar.DecodeAsync(png.ToArray(), _dir.Path));
        Assert.Contains(Notice().SecondLayerUrl.AbsoluteUri, group.Element(ns + "title")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_qr_code_is_added_before_the_closing_tag_and_a_broken_svg_is_refused()
    {
        var svg = SignQrCode.AddTo("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n", new Uri("https://example.se/a"));
        Assert.EndsWith("</svg>\n", svg, StringComparison.Ordinal);
        Assert.NotNull(XDocument.Parse(svg));
        Assert.Throws<InvalidDataException>(() => SignQrCode.AddTo("<svg>", new Uri("https://example.se/a")));
    }
}
