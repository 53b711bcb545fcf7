namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// MediaPipe's "weighted" non-maximum suppression for BlazeFace: repeatedly take the best remaining candidate, gather
/// every remaining candidate whose box overlaps it by more than the IoU threshold (itself included), and replace the
/// group by one detection whose box and keypoints are the score-weighted mean of the group's and whose score is the
/// best one's. Blending instead of discarding steadies the box and landmarks, since neighbouring anchors see the same
/// face slightly differently.
/// </summary>
internal static class WeightedNonMaxSuppression
{
    /// <summary>The overlap MediaPipe's face detection graphs use.</summary>
    internal const float DefaultIouThreshold = 0.3f;

    /// <summary>Blends overlapping candidates; the result is sorted by score, best first.</summary>
    internal static List<BlazeFaceCandidate> Apply(IEnumerable<BlazeFaceCandidate> candidates, float iouThreshold = DefaultIouThreshold)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var result = new List<BlazeFaceCandidate>();
        var group = new List<BlazeFaceCandidate>();
        var rest = new List<BlazeFaceCandidate>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            group.Clear();
            rest.Clear();
            foreach (var candidate in remaining)
            {
                (ReferenceEquals(candidate, best) || best.IntersectionOverUnion(candidate) > iouThreshold ? group : rest).Add(candidate);
            }

            var blended = new float[BlazeFaceCandidate.GeometryLength];
            var totalWeight = 0f;
            foreach (var member in group)
            {
                totalWeight += member.Score;
                for (var i = 0; i < blended.Length; i++)
                {
                    blended[i] += member.Geometry[i] * member.Score;
                }
            }

            if (totalWeight > 0)
            {
                for (var i = 0; i < blended.Length; i++)
                {
                    blended[i] /= totalWeight;
                }
            }
            else
            {
                best.Geometry.CopyTo(blended, 0);
            }

            result.Add(new BlazeFaceCandidate(best.Score, blended));
            (remaining, rest) = (rest, remaining);
        }

        return result;
    }
}
