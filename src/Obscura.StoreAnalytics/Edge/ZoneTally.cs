namespace Obscura.StoreAnalytics.Edge;

/// <summary>How many frames the cameras of a zone analysed in one coarse-time slot (no personal data): the denominator of occupancy.</summary>
public sealed record ZoneTally(string Store, DateOnly Date, TimeBand Band, int Minute, string Zone, ZoneKind Kind, int Frames);
