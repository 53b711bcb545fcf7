namespace Obscura.StoreAnalytics.Outbox;

/// <summary>What one drain did: batches accepted, answered as duplicates, rejected, still pending, and the failure that stopped it (a type name), if any.</summary>
public sealed record OutboxDrain(int Delivered, int Duplicates, int Rejected, int Pending, string? StoppedBy);
