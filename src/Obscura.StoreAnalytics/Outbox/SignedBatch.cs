namespace Obscura.StoreAnalytics.Outbox;

/// <summary>A batch as sent: its id, the canonical payload and the edge's ECDSA P-256 signature over the payload.</summary>
public sealed record SignedBatch(string BatchId, byte[] Payload, byte[] Signature);
