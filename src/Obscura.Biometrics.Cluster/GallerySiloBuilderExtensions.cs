using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Obscura.Biometrics.Cluster;

/// <summary>Registers the encrypted gallery's grains' services on a silo, and the message limits a client needs.</summary>
public static class GallerySiloBuilderExtensions
{
    /// <summary>
    /// The largest message a gallery sends: a serialised block is about 52 KB per column at the search level and 210 KB
    /// at the top (4 limbs), so 105 MB at d = 512, over Orleans' default limit of 100 MB. 256 MiB leaves room for a
    /// block at the top level with every subject id at its longest.
    /// </summary>
    public const int MaxMessageBodySize = 256 * 1024 * 1024;

    /// <summary>How long a call may take: storing a block validates every residue of it and writes it durably (seconds at d = 512 on a loaded core).</summary>
    public static TimeSpan ResponseTimeout => TimeSpan.FromMinutes(2);

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
        builder.Configure<SiloMessagingOptions>(o => (o.MaxMessageBodySize, o.ResponseTimeout) = (MaxMessageBodySize, ResponseTimeout));
        return builder;
    }

    /// <summary>Gives a client of a gallery cluster the message size limit and response timeout its blocks need (<see cref="MaxMessageBodySize"/>).</summary>
    public static IClientBuilder AddEncryptedGalleryClient(this IClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configure<ClientMessagingOptions>(o => (o.MaxMessageBodySize, o.ResponseTimeout) = (MaxMessageBodySize, ResponseTimeout));
        return builder;
    }
}
