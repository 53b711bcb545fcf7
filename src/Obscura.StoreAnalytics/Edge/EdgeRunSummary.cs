namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// What an edge run did so far: frames analysed, faces turned into group IDs, frames not analysed (late: their band was
/// closed or their day's key erased; refused: unknown camera, not decodable, too large, or stamped in the future), and
/// signed batches stored in the outbox.
/// </summary>
public sealed record EdgeRunSummary(int Frames, int Faces, int LateFrames, int RefusedFrames, int BatchesEnqueued, DateOnly KeyDay);
