namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>What a photo must satisfy to give a template. The defaults suit selfies and ID-document photos.</summary>
public sealed record FaceCaptureOptions
{
    /// <summary>Largest encoded image accepted, in bytes (default 20 MiB).</summary>
    public long MaxImageBytes { get; init; } = 20L << 20;

    /// <summary>Largest decoded image accepted, in pixels (default 40 megapixels), checked before decoding.</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>Smallest detector score for a face to count (default 0.75).</summary>
    public float MinFaceScore { get; init; } = 0.75f;

    /// <summary>
    /// Smallest distance between the eye centres in image pixels (default 24). The embedder's chip puts the eyes 53 px
    /// apart, so a face below about half that is upsampled more than 2× and carries too little detail.
    /// </summary>
    public float MinEyeDistance { get; init; } = 24f;

    /// <summary>With several faces, take the largest instead of refusing (default false: refuse).</summary>
    public bool TakeLargestFace { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive, or the score is outside (0, 1].</exception>
    public FaceCaptureOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxImageBytes, nameof(MaxImageBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxImageBytes, 1L << 30, nameof(MaxImageBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPixels, nameof(MaxPixels));
        if (!(MinFaceScore > 0 && MinFaceScore <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinFaceScore), "The minimum face score is in (0, 1].");
        }

        if (!(MinEyeDistance >= 1 && float.IsFinite(MinEyeDistance)))
        {
            throw new ArgumentOutOfRangeException(nameof(MinEyeDistance), "The minimum eye distance is at least 1 pixel.");
        }

        return this;
    }
}
