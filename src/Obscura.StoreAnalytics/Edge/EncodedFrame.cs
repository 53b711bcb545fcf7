namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// One encoded frame (JPEG or PNG) in memory, as a frame source hands it to the edge host: its camera, its capture time
/// (UTC) and its bytes. The host zeroes <see cref="Encoded"/> once the frame is analysed or refused; nothing of it is
/// written anywhere.
/// </summary>
public sealed class EncodedFrame(string camera, DateTimeOffset timestamp, byte[] encoded)
{
    /// <summary>The camera id (a key of <see cref="EdgeConfiguration.Cameras"/>).</summary>
    public string Camera { get; } = camera ?? throw new ArgumentNullException(nameof(camera));

    /// <summary>The capture time, UTC.</summary>
    public DateTimeOffset Timestamp { get; } = timestamp;

    /// <summary>The encoded image; zeroed by the host after use.</summary>
    public byte[] Encoded { get; } = encoded ?? throw new ArgumentNullException(nameof(encoded));

    /// <inheritdoc/>
    public override string ToString() => $"EncodedFrame({Camera}, {Timestamp:O}, {Encoded.Length} bytes)";
}
