using Obscura.Biometrics.Identification;
using Orleans.Placement;

namespace Obscura.Biometrics.Cluster;

/// <summary>
/// The grain behind <see cref="IGalleryBlockGrain"/>. On activation it reads its block back from the store (validated
/// as any input); a search deserialises the probe (validated: integers, norm, threshold, dimension) and runs
/// <see cref="EncryptedGalleryBlock.Search"/> with the silo's 1:N public key, never a key that came with a request.
/// Orleans places activations by activation count, so a gallery's blocks spread over the silos.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed class GalleryBlockGrain(IGalleryBlockStore store, GallerySearchKey searchKey) : Grain, IGalleryBlockGrain
{
    private GalleryBlockAddress _address;
    private EncryptedGalleryBlock? _block;
    private string? _failure;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _address = GalleryBlockAddress.Parse(this.GetPrimaryKeyString());
        var stored = await store.ReadAsync(_address.Key, cancellationToken).ConfigureAwait(true);
        try
        {
            _block = stored is null ? null : EncryptedGalleryBlock.Deserialize(stored, _address.GalleryKeyId, _address.Dimension);
        }
        catch (GalleryFormatException e)
        {
            // The store is not trusted either: a block altered there is refused, and every search then fails.
            _failure = $"Gallery block {_address.Index} in the store is refused: {e.Message}";
        }
    }

    public async Task StoreAsync(byte[] block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var validated = Refused(() => EncryptedGalleryBlock.Deserialize(block, _address.GalleryKeyId, _address.Dimension), nameof(block));
        await store.WriteAsync(_address.Key, block, CancellationToken.None).ConfigureAwait(true);
        (_block, _failure) = (validated, null);
    }

    public Task<byte[]> SearchAsync(byte[] probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var block = _block ?? throw new InvalidOperationException(_failure ?? $"Gallery block {_address.Index} is not stored in the cluster; the search is refused rather than made without it.");
        var prepared = Refused(() => GalleryProbe.Deserialize(probe, searchKey.Encryptor), nameof(probe));
        return Task.FromResult(block.Search(prepared, searchKey.Encryptor, searchKey.PublicKey).Serialize());
    }

    public Task<string> SiloAsync() => Task.FromResult(RuntimeIdentity);

    /// <summary>Runs a validating read; its refusal crosses back to the caller as an <see cref="ArgumentException"/> naming the rule (Orleans carries the framework's exceptions, not the library's own).</summary>
    private static T Refused<T>(Func<T> read, string name)
    {
        try
        {
            return read();
        }
        catch (GalleryFormatException e)
        {
            throw new ArgumentException(e.Message, name);
        }
    }
}
