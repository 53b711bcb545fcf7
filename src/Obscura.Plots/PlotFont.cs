using ScottPlot;
using SkiaSharp;

namespace Obscura.Plots;

/// <summary>
/// The one font every plot is drawn in: DejaVu Sans, embedded in this assembly (Fonts/README.md), registered once with
/// ScottPlot under a family name no system font has, so that text never falls back to whatever the machine has (the
/// SkiaSharp build Obscura ships finds no system font at all, so a fallback would draw no text).
/// </summary>
internal static class PlotFont
{
    /// <summary>The family name plots ask ScottPlot for; resolved only to <see cref="Typeface"/>.</summary>
    public const string FamilyName = "Obscura DejaVu Sans";

    private const string ResourceName = "Obscura.Plots.DejaVuSans.ttf";

    static PlotFont()
    {
        using var stream = typeof(PlotFont).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded font '{ResourceName}' is missing from {typeof(PlotFont).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        Typeface = SKTypeface.FromData(data) ?? throw new InvalidOperationException($"SkiaSharp could not load the embedded font '{ResourceName}'.");

        // ScottPlot asks its resolvers in order before any system lookup; ours answers only for our family name.
        Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver(Typeface));
    }

    /// <summary>The embedded DejaVu Sans typeface (regular; bold and italic requests get it too).</summary>
    public static SKTypeface Typeface { get; }

    /// <summary>
    /// Held while a plot is built and rendered: ScottPlot's font registry and caches are process-wide statics, and one
    /// plot at a time keeps them consistent and the output identical run to run.
    /// </summary>
    public static Lock RenderLock { get; } = new();

    private sealed class EmbeddedFontResolver(SKTypeface typeface) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == FamilyName ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == FamilyName ? typeface : null;
    }
}
