using System.Security.Cryptography;
using System.Text;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Cluster;

/// <summary>
/// A <see cref="IGalleryBlockStore"/> on a folder every silo mounts (owner-only, each file written atomically): one
/// file per name, named by the SHA-256 of the name so no key reaches the file system's path syntax.
/// </summary>
public sealed class FileGalleryBlockStore : IGalleryBlockStore
{
    private readonly string _directory;

    /// <summary>Opens (creating, owner-only) the store in <paramref name="directory"/>.</summary>
    public FileGalleryBlockStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = OwnerOnlyFiles.CreateDirectory(directory);
    }

    /// <inheritdoc/>
    public Task WriteAsync(string name, byte[] data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        OwnerOnlyFiles.WriteAtomically(PathOf(name), data);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(name);
        if (File.Exists(path))
        {
            OwnerOnlyFiles.Delete(path);
        }

        return Task.CompletedTask;
    }

    private string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))) + ".block");
    }
}
