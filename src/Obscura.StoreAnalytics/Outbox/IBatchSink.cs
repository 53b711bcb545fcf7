namespace Obscura.StoreAnalytics.Outbox;

/// <summary>Where the edge sends signed batches (the processor's inbox, over whatever network is in between).</summary>
public interface IBatchSink
{
    /// <summary>Delivers one batch. Throws <see cref="IOException"/>, <see cref="HttpRequestException"/> or <see cref="TimeoutException"/> when the network fails; the edge retries later.</summary>
    Task<DeliveryResult> DeliverAsync(SignedBatch batch, CancellationToken cancellationToken);
}
