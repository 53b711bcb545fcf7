namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// One decoded anchor before suppression, in coordinates normalised to the square model input: the box as
/// (x min, y min, x max, y max) followed by the six keypoints as (x, y) pairs.
/// </summary>
internal sealed class BlazeFaceCandidate
{
    /// <summary>Number of values in <see cref="Geometry"/>: 4 for the box, 12 for the keypoints.</summary>
    internal const int GeometryLength = 16;

    /// <summary>Number of keypoints.</summary>
    internal const int KeypointCount = 6;

    internal BlazeFaceCandidate(float score, float[] geometry)
    {
        if (geometry.Length != GeometryLength)
        {
            throw new ArgumentException($"A candidate has {GeometryLength} geometry values.", nameof(geometry));
        }

        Score = score;
        Geometry = geometry;
    }

    /// <summary>Confidence in [0, 1].</summary>
    internal float Score { get; }

    /// <summary>Box corners then keypoints; see the type's summary.</summary>
    internal float[] Geometry { get; }

    internal float XMin => Geometry[0];

    internal float YMin => Geometry[1];

    internal float XMax => Geometry[2];

    internal float YMax => Geometry[3];

    /// <summary>Intersection over union of the two boxes; 0 when either is empty.</summary>
    internal float IntersectionOverUnion(BlazeFaceCandidate other)
    {
        var width = Math.Min(XMax, other.XMax) - Math.Max(XMin, other.XMin);
        var height = Math.Min(YMax, other.YMax) - Math.Max(YMin, other.YMin);
        if (width <= 0 || height <= 0)
        {
            return 0;
        }

        var intersection = width * height;
        var union = ((XMax - XMin) * (YMax - YMin)) + ((other.XMax - other.XMin) * (other.YMax - other.YMin)) - intersection;
        return union > 0 ? intersection / union : 0;
    }
}
