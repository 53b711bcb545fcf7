namespace Obscura.StoreAnalytics.Edge;

/// <summary>A privacy mask in frame pixels: nothing inside it is analysed (it is blacked out before detection).</summary>
public sealed record MaskRectangle(int X, int Y, int Width, int Height)
{
    /// <summary>Whether a point lies inside.</summary>
    public bool Contains(float x, float y) => x >= X && x < X + Width && y >= Y && y < Y + Height;
}
