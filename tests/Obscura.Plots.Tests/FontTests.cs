using ScottPlot;
using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class FontTests
{
    [Fact]
    public void The_embedded_font_is_dejavu_sans_with_its_full_glyph_set()
    {
        Assert.Equal("DejaVu Sans", PlotFont.Typeface.FamilyName);
        Assert.True(PlotFont.Typeface.GlyphCount > 5000, $"{PlotFont.Typeface.GlyphCount} glyphs");

        // The characters the plots' labels use, ↔ and ε included, are in the font itself (no fallback needed).
        using var font = new SKFont(PlotFont.Typeface);
        Assert.DoesNotContain((ushort)0, font.GetGlyphs("D↔sys ε FNMR 0.1% é"));
    }

    [Fact]
    public void ScottPlot_resolves_the_plots_family_name_to_the_embedded_typeface_and_nothing_else()
    {
        _ = PlotFont.Typeface;
        Assert.Same(PlotFont.Typeface, Fonts.GetTypeface(PlotFont.FamilyName, bold: false, italic: false));
        Assert.Same(PlotFont.Typeface, Fonts.GetTypeface(PlotFont.FamilyName, bold: true, italic: false));
    }

    [Fact]
    public void Skia_as_shipped_finds_no_system_font_so_the_text_on_a_plot_can_only_come_from_the_embedded_one()
    {
        // SkiaSharp.NativeAssets.Linux.NoDependencies has no fontconfig: even where Debian's fonts-dejavu-core is
        // installed, it cannot see it. A plot with text on it therefore proves the embedded font drew the text.
        Assert.Null(SKFontManager.Default.MatchFamily("DejaVu Sans"));
        Assert.Equal(0, SKTypeface.Default.GlyphCount);

        using var png = new Png(DetPlot.Render([new DetSeries("Plaintext", [new(0.01, 0.02), new(0.1, 0.005)], 0.015, 1000)]));
        Assert.True(png.Ink(0, 0, png.Width, png.DataTop - 5) > 200, "no title drawn");
    }
}
