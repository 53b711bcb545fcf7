using Obscura.Biometrics.Identification;

namespace Obscura.Biometrics.Cluster;

/// <summary>
/// The capture side's view of an encrypted gallery sharded over an Orleans cluster, one grain per block. Enrolment
/// sends each block of an <see cref="EncryptedGallery"/> (built and encrypted on the capture side as in one process) to
/// its grain; a search fans the serialised probe out to every block grain at once and gathers the serialised scores,
/// each validated on the way back, in block order: the list the key holder's unchanged
/// <see cref="GalleryKeyHolder.Identify"/> takes. A block that cannot be searched fails the whole search.
/// </summary>
public sealed class ClusteredGallery
{
    private readonly IGrainFactory _grains;

    /// <summary>The gallery of <paramref name="galleryKeyId"/> at <paramref name="dimension"/> on the cluster reached through <paramref name="grains"/>.</summary>
    /// <exception cref="ArgumentException">The key id or dimension is not a gallery's.</exception>
    public ClusteredGallery(IGrainFactory grains, string galleryKeyId, int dimension)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(galleryKeyId);
        _grains = grains;
        GalleryKey = GalleryBlockAddress.ForGallery($"{galleryKeyId}/{dimension}", 0).GalleryKey;
    }

    /// <summary>The gallery's key in the cluster: <c>{gallery key id}/{dimension}</c>.</summary>
    public string GalleryKey { get; }

    /// <summary>How many blocks the cluster holds for the gallery.</summary>
    public Task<int> BlockCountAsync() => Index.BlockCountAsync();

    /// <summary>
    /// Puts <paramref name="gallery"/> on the cluster, replacing what it held for the gallery: every block to its grain
    /// (validated and persisted there), all at once, then the block count.
    /// </summary>
    /// <exception cref="ArgumentException">The gallery is of another key or dimension.</exception>
    public async Task EnrolAsync(EncryptedGallery gallery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        if ($"{gallery.GalleryKeyId}/{gallery.Dimension}" != GalleryKey)
        {
            throw new ArgumentException("The gallery is of another gallery key or dimension than this clustered gallery.", nameof(gallery));
        }

        await Task.WhenAll(gallery.Blocks.Select((block, i) => Block(i).StoreAsync(block.Serialize()).WaitAsync(cancellationToken))).ConfigureAwait(false);
        await Index.SetBlockCountAsync(gallery.BlockCount).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Searches every block on the cluster with <paramref name="probe"/> and returns the blocks' encrypted scores in
    /// block order, for <see cref="GalleryKeyHolder.Identify"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The probe was prepared for another gallery key or dimension.</exception>
    /// <exception cref="InvalidOperationException">A block is not stored on the cluster.</exception>
    /// <exception cref="GalleryFormatException">A block grain returned scores that do not pass validation.</exception>
    public async Task<IReadOnlyList<EncryptedBlockScores>> SearchAsync(GalleryProbe probe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if ($"{probe.GalleryKeyId}/{probe.Dimension}" != GalleryKey)
        {
            throw new ArgumentException("The probe was not prepared with this gallery's key at its dimension.", nameof(probe));
        }

        var count = await Index.BlockCountAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var bytes = probe.Serialize();
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Block(i).SearchAsync(bytes).WaitAsync(cancellationToken))).ConfigureAwait(false);
            return [.. results.Select(r => EncryptedBlockScores.Deserialize(r))];
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>The silo each block's grain is active on, in block order.</summary>
    public async Task<IReadOnlyList<string>> PlacementAsync(CancellationToken cancellationToken = default)
    {
        var count = await Index.BlockCountAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(i => Block(i).SiloAsync().WaitAsync(cancellationToken))).ConfigureAwait(false);
    }

    private IGalleryIndexGrain Index => _grains.GetGrain<IGalleryIndexGrain>(GalleryKey);

    private IGalleryBlockGrain Block(int index) => _grains.GetGrain<IGalleryBlockGrain>(GalleryBlockAddress.ForGallery(GalleryKey, index).Key);
}
