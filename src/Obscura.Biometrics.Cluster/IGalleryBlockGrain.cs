namespace Obscura.Biometrics.Cluster;

/// <summary>
/// One encrypted gallery block, keyed by its <see cref="GalleryBlockAddress.Key"/>. Placed by Orleans on any silo; its
/// block is persisted in the silos' shared <see cref="IGalleryBlockStore"/>, so it reactivates on another silo when its
/// own stops. Everything it takes in is serialised and validated (block, probe); what it returns is a block's
/// serialised <see cref="Identification.EncryptedBlockScores"/>.
/// </summary>
public interface IGalleryBlockGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores a serialised block (replacing the one stored), persisting it before it returns.</summary>
    /// <exception cref="ArgumentException">The block does not pass <see cref="Identification.EncryptedGalleryBlock.Deserialize"/> (the message names the rule).</exception>
    Task StoreAsync([Immutable] byte[] block);

    /// <summary>Searches the block with a serialised probe; returns the serialised encrypted scores.</summary>
    /// <exception cref="InvalidOperationException">No block is stored under this address, or the stored one does not pass validation (the search fails rather than skipping it).</exception>
    /// <exception cref="ArgumentException">The probe does not pass <see cref="Identification.GalleryProbe.Deserialize"/> (the message names the rule).</exception>
    Task<byte[]> SearchAsync([Immutable] byte[] probe);

    /// <summary>The silo the grain is active on (its runtime identity), for tests and operators.</summary>
    Task<string> SiloAsync();
}
