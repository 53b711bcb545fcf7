using Obscura.Security.Files;

namespace Obscura.Security.Locks;

/// <summary>
/// An exclusive lock shared by every process and thread on this machine, held on a lock file (an advisory
/// <c>flock</c> on Unix, a share-none handle on Windows). The operating system releases it when its holder exits,
/// crashes or is killed, so a lock is never left behind by a dead process: that is also how a process tells whether
/// another one that registered itself is still alive. Lock files are never deleted, because a process waiting on a
/// deleted file would lock a different file than the next one to create it.
/// </summary>
public sealed class ProcessLock : IDisposable
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(50);
    private readonly FileStream _handle;

    private ProcessLock(string path, FileStream handle)
    {
        Path = path;
        _handle = handle;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock at <paramref name="path"/> if nobody holds it, or returns <see langword="null"/> at once.</summary>
    public static ProcessLock? TryAcquire(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        OwnerOnlyFiles.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFiles.FileMode;
        }

        try
        {
            return new ProcessLock(full, new FileStream(full, options));
        }
        catch (IOException) when (File.Exists(full))
        {
            // Held by another handle, in this process or another one.
            return null;
        }
    }

    /// <summary>
    /// Takes the lock at <paramref name="path"/>, waiting as long as another holder keeps it. There is no timeout: the
    /// caller bounds the wait with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled before the lock was free.</exception>
    public static async Task<ProcessLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }

            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            wait = Min(wait * 2, MaxPollInterval);
        }
    }

    /// <summary>The blocking form of <see cref="AcquireAsync"/>, for code paths that are synchronous.</summary>
    /// <exception cref="OperationCanceledException">Cancelled before the lock was free.</exception>
    public static ProcessLock Acquire(string path, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (cancellationToken.WaitHandle.WaitOne(wait))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            wait = Min(wait * 2, MaxPollInterval);
        }
    }

    /// <summary>
    /// Whether some live process (or another handle in this one) holds the lock at <paramref name="path"/>. A lock
    /// file whose holder died reads as free.
    /// </summary>
    public static bool IsHeld(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return false;
        }

        using var probe = TryAcquire(path);
        return probe is null;
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
