using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Obscura.StoreAnalytics.Notice;
using Obscura.StoreAnalytics.Notice.Qr;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>
/// The QR encoder against known answers (the generator polynomials and format/version bits tabulated in ISO/IEC
/// 18004, the "HELLO WORLD" 1-M error correction codewords of its worked example) and against a real decoder:
/// ZBar's <c>zbarimg</c> (Debian package zbar-tools, installed by .ci/run) must read back every symbol drawn, the one
/// on the notice sign included.
/// </summary>
public sealed class QrCodeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_generator_polynomials_are_the_tabulated_ones()
    {
        // ISO/IEC 18004 Annex A, as exponents of α: degree 7 and degree 10.
        Assert.Equal([87, 229, 146, 149, 238, 102, 21], GaloisField.Generator(7).Select(c => GaloisField.Logarithm(c)));
        Assert.Equal([251, 67, 46, 61, 118, 70, 64, 94, 32, 45], GaloisField.Generator(10).Select(c => GaloisField.Logarithm(c)));
    }

    [Fact]
    public void The_error_correction_of_the_hello_world_example_is_the_published_one()
    {
        // "HELLO WORLD" in alphanumeric mode, 1-M: 16 data codewords and their 10 EC codewords.
        byte[] data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
        Assert.Equal([196, 35, 39, 119, 235, 215, 231, 226, 93, 23], GaloisField.Remainder(data, 10));
    }

    [Fact]
    public void Format_and_version_bits_are_the_tabulated_ones()
    {
        Assert.Equal(0b101010000010010, QrCode.FormatBits(QrErrorCorrection.Medium, 0));
        Assert.Equal(0b111011111000100, QrCode.FormatBits(QrErrorCorrection.Low, 0));
        Assert.Equal(0b011010101011111, QrCode.FormatBits(QrErrorCorrection.Quartile, 0));
        Assert.Equal(0b001011010001001, QrCode.FormatBits(QrErrorCorrection.High, 0));
        Assert.Equal(0b000111110010010100, QrCode.VersionBits(7));
    }

    [Fact]
    public void Data_codewords_carry_mode_count_bytes_terminator_and_padding()
    {
        // Byte mode 0100, count 00000010, 'A' 'B', terminator 0000, then 0xEC 0x11 … (1-M: 16 data codewords).
        var codewords = QrCode.DataCodewords("AB"u8, 1, QrErrorCorrection.Medium);
        Assert.Equal([0x40, 0x24, 0x14, 0x20, 0xEC, 0x11, 0xEC], codewords[..7]);
        Assert.Equal(16, codewords.Length);
    }

    [Fact]
    public void The_smallest_version_is_chosen_and_an_overlong_url_is_refused()
    {
        Assert.Equal(1, QrCode.Encode("https://ex.se").Version);
        Assert.Equal(10, QrCode.Encode(new string('a', 213)).Version);
        Assert.Throws<ArgumentException>(() => QrCode.Encode(new string('a', 214)));
    }

    public static TheoryData<string, QrErrorCorrection, int> Texts => new()
    {
        { "https://example.se/cameras", QrErrorCorrection.Medium, 2 },
        { "https://example.se/cameras", QrErrorCorrection.Low, 2 },
        { "https://example.se/cameras", QrErrorCorrection.Quartile, 3 },
        { "https://example.se/cameras", QrErrorCorrection.High, 4 },
        { "https://example.se/kameror/andra-lagret?butik=stockholm-city&sprak=sv", QrErrorCorrection.Medium, 5 },
        { "https://integritet.example.se/" + new string('x', 120), QrErrorCorrection.Medium, 8 }, // version information
        { "https://integritet.example.se/" + new string('y', 180), QrErrorCorrection.Medium, 10 }, // 16-bit count, blocks of 43 and 44
        { "https://example.se/åäö", QrErrorCorrection.Medium, 2 },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public async Task Zbarimg_decodes_the_symbol_back_to_the_text(string text, QrErrorCorrection level, int version)
    {
        var code = QrCode.Encode(text, level);
        Assert.Equal(version, code.Version);
        Assert.Equal(text, await DecodeAsync(RenderModules(code)));
    }

    [Fact]
    public async Task Zbarimg_decodes_every_mask()
    {
        var data = Encoding.UTF8.GetBytes("https://example.se/cameras?layer=2");
        for (var mask = 0; mask < 8; mask++)
        {
            var code = QrCode.Encode(data, QrErrorCorrection.Medium, mask);
            Assert.Equal(mask, code.Mask);
            Assert.Equal("https://example.se/cameras?layer=2", await DecodeAsync(RenderModules(code)));
        }
    }

    [Fact]
    public async Task Zbarimg_decodes_the_svg_path()
    {
        var code = QrCode.Encode("https://example.se/cameras");
        using var path = SKPath.ParseSvgPathData(code.ToSvgPath(4));
        var side = code.Size + 8;
        using var bitmap = new SKBitmap(side * 6, side * 6);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale(6);
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = false };
            canvas.DrawPath(path, paint);
        }

        Assert.Equal("https://example.se/cameras", await DecodeAsync(Png(bitmap)));
    }

    [Fact]
    public void The_chosen_mask_has_the_lowest_penalty_of_the_eight()
    {
        var data = Encoding.UTF8.GetBytes("https://example.se/cameras");
        var chosen = QrCode.Encode(data);
        var penalties = Enumerable.Range(0, 8).Select(m => QrCode.Penalty(Modules(QrCode.Encode(data, QrErrorCorrection.Medium, m)))).ToList();
        Assert.Equal(penalties.Min(), penalties[chosen.Mask]);
    }

    [Fact]
    public void The_penalty_counts_runs_blocks_finder_patterns_and_imbalance()
    {
        // All light 5 × 5: runs 5 rows + 5 columns × 3 = 30, 2 × 2 blocks 16 × 3 = 48, 0 % dark: 10 × 10 = 100.
        Assert.Equal(30 + 48 + 100, QrCode.Penalty(new bool[5, 5]));

        // An 11-module row 1011101 0000 (and columns of one module): the finder-like pattern costs 40.
        var row = new bool[1, 11];
        foreach (var i in new[] { 0, 2, 3, 4, 6 })
        {
            row[0, i] = true;
        }

        var withoutFinder = new bool[1, 11];
        foreach (var i in new[] { 0, 2, 4, 6, 8 })
        {
            withoutFinder[0, i] = true;
        }

        // Both have one run of four light modules or fewer beyond the pattern; 5 dark of 11 in each.
        Assert.Equal(40, QrCode.Penalty(row) - QrCode.Penalty(withoutFinder));
    }

    [Fact]
    public async Task The_sign_carries_a_qr_code_that_zbarimg_reads_as_the_second_layer_address()
    {
        var notice = LayeredNoticeTests.Notice() with { SecondLayerUrl = new Uri("https://butiken.example/kameraanalys?butik=stockholm-city") };
        var svg = XDocument.Parse(LayeredNotice.Generate(notice, EdgeFixtures.Configuration(k: 5)).SignSvg).Root!;
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
        Assert.Equal(notice.SecondLayerUrl.AbsoluteUri, await Zbar.DecodeAsync(png.ToArray(), _dir.Path));
        Assert.Contains(notice.SecondLayerUrl.AbsoluteUri, group.Element(ns + "title")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_qr_code_is_added_before_the_closing_tag_and_a_broken_svg_is_refused()
    {
        var svg = SignQrCode.AddTo("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n", new Uri("https://example.se/a"));
        Assert.EndsWith("</svg>\n", svg, StringComparison.Ordinal);
        Assert.NotNull(XDocument.Parse(svg));
        Assert.Throws<InvalidDataException>(() => SignQrCode.AddTo("<svg>", new Uri("https://example.se/a")));
    }

    private static bool[,] Modules(QrCode code)
    {
        var m = new bool[code.Size, code.Size];
        for (var y = 0; y < code.Size; y++)
        {
            for (var x = 0; x < code.Size; x++)
            {
                m[y, x] = code.IsDark(x, y);
            }
        }

        return m;
    }

    /// <summary>The symbol with a 4-module quiet zone, 6 pixels a module, black on white.</summary>
    private static byte[] RenderModules(QrCode code)
    {
        const int scale = 6;
        var side = (code.Size + 8) * scale;
        using var bitmap = new SKBitmap(side, side);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var paint = new SKPaint { Color = SKColors.Black };
            for (var y = 0; y < code.Size; y++)
            {
                for (var x = 0; x < code.Size; x++)
                {
                    if (code.IsDark(x, y))
                    {
                        canvas.DrawRect((x + 4) * scale, (y + 4) * scale, scale, scale, paint);
                    }
                }
            }
        }

        return Png(bitmap);
    }

    private static byte[] Png(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private Task<string> DecodeAsync(byte[] png) => Zbar.DecodeAsync(png, _dir.Path);
}
