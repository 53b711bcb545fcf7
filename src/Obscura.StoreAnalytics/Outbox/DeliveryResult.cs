namespace Obscura.StoreAnalytics.Outbox;

/// <summary>What the processor answered to a batch.</summary>
public enum DeliveryResult
{
    /// <summary>Stored for the first time.</summary>
    Accepted,

    /// <summary>Already stored (a retry); nothing changed.</summary>
    Duplicate,

    /// <summary>Refused: unknown store, bad signature or malformed payload. Retrying will not help.</summary>
    Rejected,
}
