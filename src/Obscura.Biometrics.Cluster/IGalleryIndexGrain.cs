namespace Obscura.Biometrics.Cluster;

/// <summary>A gallery's block count, keyed by <see cref="GalleryBlockAddress.GalleryKey"/> and persisted in the shared store.</summary>
public interface IGalleryIndexGrain : IGrainWithStringKey
{
    /// <summary>How many blocks the gallery has (0 before any enrolment).</summary>
    Task<int> BlockCountAsync();

    /// <summary>Sets the block count, persisting it before it returns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not between 0 and <see cref="GalleryBlockAddress.MaxBlocks"/>.</exception>
    Task SetBlockCountAsync(int count);
}
