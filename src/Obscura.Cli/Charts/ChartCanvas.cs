using Obscura.Security.Files;
using SkiaSharp;

namespace Obscura.Cli.Charts;

/// <summary>
/// A PNG chart: a title, a plot area with a bottom axis, a left axis and optionally a right axis, and a legend. Data
/// is drawn in data units through the axes' maps and clipped to the plot area.
/// </summary>
internal sealed class ChartCanvas : IDisposable
{
    private const int Scale = 2;
    private const float Left = 100, Top = 60, Bottom = 80;
    private readonly SKSurface _surface;
    private readonly ChartAxis _x;
    private readonly ChartAxis _y;
    private readonly ChartAxis? _right;
    private readonly SKRect _plot;
    private readonly List<(string Text, SKColor Color)> _legend = [];

    /// <summary>Creates a white canvas and draws the title, axes, ticks and grid.</summary>
    public ChartCanvas(int width, int height, string title, ChartAxis x, ChartAxis y, ChartAxis? right = null)
    {
        _surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        (_x, _y, _right) = (x, y, right);
        _plot = new SKRect(Left, Top, width - (right is null ? 40 : Left), height - Bottom);
        var canvas = _surface.Canvas;
        canvas.Clear(SKColors.White);
        BitmapFont.Draw(canvas, title, (width - BitmapFont.Measure(title, Scale)) / 2, 20, Scale, SKColors.Black);

        using var grid = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), StrokeWidth = 1, IsAntialias = false };
        using var frame = new SKPaint { Color = SKColors.Black, StrokeWidth = 2, Style = SKPaintStyle.Stroke };
        foreach (var tick in x.Ticks)
        {
            var px = X(tick.At);
            canvas.DrawLine(px, _plot.Top, px, _plot.Bottom, grid);
            BitmapFont.Draw(canvas, tick.Text, px - (BitmapFont.Measure(tick.Text, Scale) / 2), _plot.Bottom + 8, Scale, SKColors.Black);
        }

        foreach (var tick in y.Ticks)
        {
            var py = Y(tick.At, y);
            canvas.DrawLine(_plot.Left, py, _plot.Right, py, grid);
            BitmapFont.Draw(canvas, tick.Text, _plot.Left - 8 - BitmapFont.Measure(tick.Text, Scale), py - BitmapFont.GlyphHeight, Scale, SKColors.Black);
        }

        foreach (var tick in right?.Ticks ?? [])
        {
            BitmapFont.Draw(canvas, tick.Text, _plot.Right + 8, Y(tick.At, right!) - BitmapFont.GlyphHeight, Scale, SKColors.Black);
        }

        canvas.DrawRect(_plot, frame);
        BitmapFont.Draw(canvas, x.Label, _plot.MidX - (BitmapFont.Measure(x.Label, Scale) / 2), height - 40, Scale, SKColors.Black);
        VerticalLabel(y.Label, 16);
        if (right is not null)
        {
            VerticalLabel(right.Label, width - 32);
        }
    }

    /// <summary>Draws a polyline through <paramref name="points"/> (data units) against the left or right axis.</summary>
    public void Line(IEnumerable<(double X, double Y)> points, SKColor color, float width, string? legend = null, bool dashed = false, bool againstRight = false)
    {
        var axis = againstRight ? _right ?? throw new InvalidOperationException("The chart has no right axis.") : _y;
        SKPoint[] polyline = [.. points.Select(p => new SKPoint(X(p.X), Y(p.Y, axis)))];
        using var builder = new SKPathBuilder();
        builder.AddPoly(polyline, close: false);
        using var path = builder.Detach();
        using var effect = dashed ? SKPathEffect.CreateDash([10, 6], 0) : null;
        using var paint = new SKPaint { Color = color, StrokeWidth = width, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = effect };
        Clipped(canvas => canvas.DrawPath(path, paint));
        AddLegend(legend, color);
    }

    /// <summary>Draws filled bars [x0, x1] × [0, height] (data units, left axis).</summary>
    public void Bars(IEnumerable<(double X0, double X1, double Height)> bars, SKColor color, string? legend = null)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = false, Style = SKPaintStyle.Fill };
        Clipped(canvas =>
        {
            foreach (var (x0, x1, h) in bars)
            {
                canvas.DrawRect(SKRect.Create(X(x0), Y(h, _y), X(x1) - X(x0), Y(0, _y) - Y(h, _y)), paint);
            }
        });
        AddLegend(legend, color.WithAlpha(255));
    }

    /// <summary>Draws the legend and writes the chart as a PNG, atomically (temporary file, then rename).</summary>
    public void SavePng(string path)
    {
        var canvas = _surface.Canvas;
        var y = _plot.Top + 12;
        var width = _legend.Count == 0 ? 0 : _legend.Max(e => BitmapFont.Measure(e.Text, Scale)) + 44;
        using (var box = new SKPaint { Color = SKColors.White.WithAlpha(230), Style = SKPaintStyle.Fill })
        {
            canvas.DrawRect(_plot.Right - width - 12, _plot.Top + 4, width + 8, (_legend.Count * 24) + 8, box);
        }

        foreach (var (text, color) in _legend)
        {
            using var swatch = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
            canvas.DrawRect(_plot.Right - width - 4, y, 24, 12, swatch);
            BitmapFont.Draw(canvas, text, _plot.Right - width + 28, y - 1, Scale, SKColors.Black);
            y += 24;
        }

        using var image = _surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        OwnerOnlyFiles.WriteAtomically(path, data.AsSpan());
    }

    /// <inheritdoc />
    public void Dispose() => _surface.Dispose();

    private float X(double value) => (float)(_plot.Left + ((_x.Map(value) - _x.From) / (_x.To - _x.From) * _plot.Width));

    private float Y(double value, ChartAxis axis) => (float)(_plot.Bottom - ((axis.Map(value) - axis.From) / (axis.To - axis.From) * _plot.Height));

    private void Clipped(Action<SKCanvas> draw)
    {
        var canvas = _surface.Canvas;
        canvas.Save();
        canvas.ClipRect(_plot);
        draw(canvas);
        canvas.Restore();
    }

    private void VerticalLabel(string text, float x)
    {
        var canvas = _surface.Canvas;
        canvas.Save();
        canvas.Translate(x, _plot.MidY + (BitmapFont.Measure(text, Scale) / 2));
        canvas.RotateDegrees(-90);
        BitmapFont.Draw(canvas, text, 0, 0, Scale, SKColors.Black);
        canvas.Restore();
    }

    private void AddLegend(string? text, SKColor color)
    {
        if (text is not null)
        {
            _legend.Add((text, color));
        }
    }
}
