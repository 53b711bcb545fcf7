using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Alignment;

/// <summary>
/// A 2-D similarity (rotation, uniform scale, translation, no reflection):
/// (x, y) ↦ (A·x − B·y + Tx, B·x + A·y + Ty). In image coordinates (y downwards) a positive rotation turns
/// clockwise on screen.
/// </summary>
/// <param name="A">Scale × cos(rotation).</param>
/// <param name="B">Scale × sin(rotation).</param>
/// <param name="Tx">Horizontal translation, in destination units.</param>
/// <param name="Ty">Vertical translation, in destination units.</param>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    /// <summary>The identity transform.</summary>
    public static SimilarityTransform Identity { get; } = new(1, 0, 0, 0);

    /// <summary>The uniform scale factor, √(A² + B²).</summary>
    public double Scale => Math.Sqrt((A * A) + (B * B));

    /// <summary>The rotation angle in radians, in (−π, π].</summary>
    public double RotationRadians => Math.Atan2(B, A);

    /// <summary>
    /// The least-squares similarity taking <paramref name="from"/>[i] to <paramref name="to"/>[i]: the closed form of
    /// Umeyama (1991) restricted to 2-D rotations, which minimises Σ‖T(from[i]) − to[i]‖². With the centroids removed,
    /// A = Σ(p·q)/Σ‖p‖² and B = Σ(p×q)/Σ‖p‖², and the translation maps one centroid onto the other.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length, hold fewer than two points, hold a
    /// non-finite coordinate, or either set's points all coincide (no scale or rotation is defined).</exception>
    public static SimilarityTransform Estimate(ReadOnlySpan<SKPoint> from, ReadOnlySpan<SKPoint> to)
    {
        CheckPairs(from, to, minimum: 2);
        double fromX = 0, fromY = 0, toX = 0, toY = 0;
        for (var i = 0; i < from.Length; i++)
        {
            fromX += from[i].X;
            fromY += from[i].Y;
            toX += to[i].X;
            toY += to[i].Y;
        }

        var n = from.Length;
        fromX /= n;
        fromY /= n;
        toX /= n;
        toY /= n;

        double fromSpread = 0, toSpread = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var px = from[i].X - fromX;
            var py = from[i].Y - fromY;
            var qx = to[i].X - toX;
            var qy = to[i].Y - toY;
            fromSpread += (px * px) + (py * py);
            toSpread += (qx * qx) + (qy * qy);
            dot += (px * qx) + (py * qy);
            cross += (px * qy) - (py * qx);
        }

        if (!(fromSpread > 1e-12 * n) || !(toSpread > 1e-12 * n))
        {
            throw new ArgumentException("The points of each set must not all coincide.", fromSpread > 1e-12 * n ? nameof(to) : nameof(from));
        }

        var a = dot / fromSpread;
        var b = cross / fromSpread;
        return new SimilarityTransform(a, b, toX - ((a * fromX) - (b * fromY)), toY - ((b * fromX) + (a * fromY)));
    }

    /// <summary>Applies the transform to a point.</summary>
    public SKPoint Apply(SKPoint point) =>
        new((float)((A * point.X) - (B * point.Y) + Tx), (float)((B * point.X) + (A * point.Y) + Ty));

    /// <summary>The transform undoing this one.</summary>
    /// <exception cref="InvalidOperationException">The scale is zero (or not finite), so there is no inverse.</exception>
    public SimilarityTransform Inverse()
    {
        var squared = (A * A) + (B * B);
        if (!(squared > 0) || !double.IsFinite(squared))
        {
            throw new InvalidOperationException("A similarity with zero or non-finite scale has no inverse.");
        }

        var a = A / squared;
        var b = -B / squared;
        return new SimilarityTransform(a, b, -((a * Tx) - (b * Ty)), -((b * Tx) + (a * Ty)));
    }

    /// <summary>This transform followed by <paramref name="next"/>: x ↦ next(this(x)).</summary>
    public SimilarityTransform Then(SimilarityTransform next) => new(
        (next.A * A) - (next.B * B),
        (next.B * A) + (next.A * B),
        (next.A * Tx) - (next.B * Ty) + next.Tx,
        (next.B * Tx) + (next.A * Ty) + next.Ty);

    /// <summary>The root-mean-square distance between T(from[i]) and to[i], in destination units.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, are empty, or hold a non-finite coordinate.</exception>
    public double RmsResidual(ReadOnlySpan<SKPoint> from, ReadOnlySpan<SKPoint> to)
    {
        CheckPairs(from, to, minimum: 1);
        double sum = 0;
        for (var i = 0; i < from.Length; i++)
        {
            var dx = (A * from[i].X) - (B * from[i].Y) + Tx - to[i].X;
            var dy = (B * from[i].X) + (A * from[i].Y) + Ty - to[i].Y;
            sum += (dx * dx) + (dy * dy);
        }

        return Math.Sqrt(sum / from.Length);
    }

    /// <summary>The same mapping as a SkiaSharp matrix (for <see cref="SKCanvas.SetMatrix(in SKMatrix)"/>).</summary>
    public SKMatrix ToSKMatrix() => new(
        (float)A, (float)-B, (float)Tx,
        (float)B, (float)A, (float)Ty,
        0, 0, 1);

    private static void CheckPairs(ReadOnlySpan<SKPoint> from, ReadOnlySpan<SKPoint> to, int minimum)
    {
        if (from.Length != to.Length)
        {
            throw new ArgumentException($"Both point sets must have the same length ({from.Length} ≠ {to.Length}).", nameof(to));
        }

        if (from.Length < minimum)
        {
            throw new ArgumentException($"At least {minimum} point pair(s) are needed.", nameof(from));
        }

        for (var i = 0; i < from.Length; i++)
        {
            if (!float.IsFinite(from[i].X) || !float.IsFinite(from[i].Y))
            {
                throw new ArgumentException($"Point {i} is not finite.", nameof(from));
            }

            if (!float.IsFinite(to[i].X) || !float.IsFinite(to[i].Y))
            {
                throw new ArgumentException($"Point {i} is not finite.", nameof(to));
            }
        }
    }
}
