using Obscura.Biometrics.Identification;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Cluster;

/// <summary>
/// The silo's 1:N public key, with which block grains re-randomise every search result. Given to the silo by its host
/// from the key holder (never read from the block store or taken from a request), validated on the way in: the 1:N
/// parameter set, every residue below its modulus, neither half zero.
/// </summary>
public sealed class GallerySearchKey
{
    /// <summary>Reads the serialised 1:N public key.</summary>
    /// <exception cref="CkksFormatException">Not a valid public key of <see cref="GalleryScheme.Parameters"/>.</exception>
    public GallerySearchKey(ReadOnlySpan<byte> publicKey)
    {
        PublicKey = CkksSerializer.DeserializePublicKey(publicKey, GalleryScheme.Parameters);
    }

    /// <summary>The 1:N public key.</summary>
    public CkksPublicKey PublicKey { get; }

    /// <summary>An encryptor of the 1:N parameter set.</summary>
    public CkksEncryptor Encryptor { get; } = new(GalleryScheme.Parameters);
}
