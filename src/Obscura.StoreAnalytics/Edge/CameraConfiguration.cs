namespace Obscura.StoreAnalytics.Edge;

/// <summary>One camera: the zone it watches and its privacy masks.</summary>
public sealed record CameraConfiguration
{
    /// <summary>The zone's name (a key of <see cref="EdgeConfiguration.Zones"/>).</summary>
    public required string Zone { get; init; }

    /// <summary>Areas where nothing is analysed, e.g. the marked lane for visitors who object.</summary>
    public IReadOnlyList<MaskRectangle> Masks { get; init; } = [];
}
