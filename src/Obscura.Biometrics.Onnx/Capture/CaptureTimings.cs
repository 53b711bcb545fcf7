namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>
/// Where one capture spent its time, and how long personal data stayed in memory: <see cref="ImageResidence"/> runs
/// from the copy of the encoded photo to the moment every pixel buffer (encoded copy, decoded image, detector input,
/// aligned chip, embedder input) was zeroed; <see cref="EmbeddingResidence"/> from the embedder's raw output to the
/// moment it was zeroed after normalisation. The normalised template is the caller's, to transform and encrypt.
/// </summary>
public sealed record CaptureTimings(TimeSpan Decode, TimeSpan Detect, TimeSpan Align, TimeSpan Embed, TimeSpan ImageResidence, TimeSpan EmbeddingResidence)
{
    /// <summary>No stage ran (the file was refused before decoding).</summary>
    public static CaptureTimings None { get; } = new(default, default, default, default, default, default);

    /// <summary>Decode + detect + align + embed.</summary>
    public TimeSpan Total => Decode + Detect + Align + Embed;
}
