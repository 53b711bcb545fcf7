using SkiaSharp;

namespace Obscura.Plots.Tests;

/// <summary>A decoded plot and the pixel geometry of its data area (the fixed margins of <see cref="PlotLayout"/>).</summary>
internal sealed class Png : IDisposable
{
    private readonly SKBitmap _bitmap;

    public Png(byte[] bytes, bool rightAxis = false)
    {
        Assert.True(bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', "not a PNG signature");
        _bitmap = SKBitmap.Decode(bytes) ?? throw new InvalidOperationException("SkiaSharp could not decode the PNG.");
        DataLeft = PlotLayout.Left;
        DataRight = Width - (rightAxis ? PlotLayout.RightWithAxis : PlotLayout.Right);
        DataTop = PlotLayout.Top;
        DataBottom = Height - PlotLayout.Bottom;
    }

    public int Width => _bitmap.Width;

    public int Height => _bitmap.Height;

    public int DataLeft { get; }

    public int DataRight { get; }

    public int DataTop { get; }

    public int DataBottom { get; }

    /// <summary>The pixel of a position given as fractions of the data area (0,0 bottom-left; 1,1 top-right).</summary>
    public (int X, int Y) At(double across, double up) =>
        ((int)Math.Round(DataLeft + (across * (DataRight - DataLeft))), (int)Math.Round(DataBottom - (up * (DataBottom - DataTop))));

    public SKColor Pixel(int x, int y) => _bitmap.GetPixel(x, y);

    /// <summary>Whether a pixel within <paramref name="radius"/> of (x, y) is close to <paramref name="color"/>.</summary>
    public bool HasNear(int x, int y, SKColor color, int radius = 4, int tolerance = 40)
    {
        for (var dy = -radius; dy <= radius; dy++)
        {
            for (var dx = -radius; dx <= radius; dx++)
            {
                if (Close(_bitmap.GetPixel(Math.Clamp(x + dx, 0, Width - 1), Math.Clamp(y + dy, 0, Height - 1)), color, tolerance))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Pixels close to <paramref name="color"/> in the rectangle [left, right) × [top, bottom).</summary>
    public int Count(SKColor color, int left, int top, int right, int bottom, int tolerance = 40)
    {
        var count = 0;
        for (var y = Math.Max(0, top); y < Math.Min(Height, bottom); y++)
        {
            for (var x = Math.Max(0, left); x < Math.Min(Width, right); x++)
            {
                count += Close(_bitmap.GetPixel(x, y), color, tolerance) ? 1 : 0;
            }
        }

        return count;
    }

    /// <summary>Dark (text-like) pixels in the rectangle: each channel below 100.</summary>
    public int Ink(int left, int top, int right, int bottom)
    {
        var count = 0;
        for (var y = Math.Max(0, top); y < Math.Min(Height, bottom); y++)
        {
            for (var x = Math.Max(0, left); x < Math.Min(Width, right); x++)
            {
                var p = _bitmap.GetPixel(x, y);
                count += p.Red < 100 && p.Green < 100 && p.Blue < 100 ? 1 : 0;
            }
        }

        return count;
    }

    public void Dispose() => _bitmap.Dispose();

    private static bool Close(SKColor a, SKColor b, int tolerance) =>
        Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue) < tolerance;
}
