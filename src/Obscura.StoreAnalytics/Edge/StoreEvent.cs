namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The only thing about a visitor that leaves the edge: a group ID (its visit's one randomised ID, shared by at least k visits of the band), the
/// zone, the time band and the coarse time (store-local minute of the day, rounded down). No image, embedding, camera
/// id, face position or exact time.
/// </summary>
public sealed record StoreEvent(string Store, DateOnly Date, TimeBand Band, int Minute, string Zone, ZoneKind Kind, string GroupId);
