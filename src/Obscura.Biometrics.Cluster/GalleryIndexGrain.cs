using System.Buffers.Binary;

namespace Obscura.Biometrics.Cluster;

/// <summary>The grain behind <see cref="IGalleryIndexGrain"/>: the count as 4 bytes in the shared store, read back on activation and checked.</summary>
internal sealed class GalleryIndexGrain(IGalleryBlockStore store) : Grain, IGalleryIndexGrain
{
    private int _count;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(Name, cancellationToken).ConfigureAwait(true);
        if (stored is null)
        {
            return;
        }

        _count = stored.Length == 4 ? BinaryPrimitives.ReadInt32LittleEndian(stored) : -1;
        if (_count is < 0 or > GalleryBlockAddress.MaxBlocks)
        {
            throw new InvalidDataException("The stored block count of this gallery is invalid.");
        }
    }

    public Task<int> BlockCountAsync() => Task.FromResult(_count);

    public async Task SetBlockCountAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, GalleryBlockAddress.MaxBlocks);
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, count);
        await store.WriteAsync(Name, bytes, CancellationToken.None).ConfigureAwait(true);
        _count = count;
    }

    private string Name => "index:" + this.GetPrimaryKeyString();
}
