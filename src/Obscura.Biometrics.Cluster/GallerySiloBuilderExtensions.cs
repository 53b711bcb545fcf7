using Microsoft.Extensions.DependencyInjection;

namespace Obscura.Biometrics.Cluster;

/// <summary>Registers the encrypted gallery's grains' services on a silo.</summary>
public static class GallerySiloBuilderExtensions
{
    /// <summary>
    /// Lets the silo host gallery block grains: <paramref name="store"/> is the block store every silo shares,
    /// <paramref name="publicKey"/> the serialised 1:N public key from the key holder (validated here, at start-up).
    /// </summary>
    /// <exception cref="Homomorphic.Ckks.CkksFormatException">The public key is not a valid 1:N public key.</exception>
    public static ISiloBuilder AddEncryptedGallery(this ISiloBuilder builder, IGalleryBlockStore store, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        var key = new GallerySearchKey(publicKey);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(key);
        return builder;
    }
}
