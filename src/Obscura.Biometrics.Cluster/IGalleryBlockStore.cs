namespace Obscura.Biometrics.Cluster;

/// <summary>
/// Where block grains persist their blocks, shared by every silo: a grain activated on any silo reads its block back
/// from here. Blocks are the validated serialised form (<see cref="Identification.EncryptedGalleryBlock.Serialize"/>),
/// read back through <see cref="Identification.EncryptedGalleryBlock.Deserialize"/>: the store is not trusted to keep them intact.
/// </summary>
public interface IGalleryBlockStore
{
    /// <summary>Stores (replacing) the bytes under <paramref name="name"/>, durably, before it returns.</summary>
    Task WriteAsync(string name, byte[] data, CancellationToken cancellationToken);

    /// <summary>The bytes under <paramref name="name"/>, or <see langword="null"/> if none are stored.</summary>
    Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the bytes under <paramref name="name"/>, if any.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);
}
