using System.Diagnostics;
using Obscura.Security.Locks;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Holds a lock file from another process: <c>flock(1)</c> (util-linux) takes the same advisory lock
/// <see cref="ProcessLock"/> uses and keeps it until its standard input closes. Where <c>flock</c> is missing (Windows,
/// some macOS machines) the lock is held through a second handle in this process, which the lock refuses alike.
/// </summary>
internal sealed class LockHolder : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly ProcessLock? _local;

    private LockHolder(Process? process, ProcessLock? local)
    {
        _process = process;
        _local = local;
    }

    public static async Task<LockHolder> StartAsync(string path, CancellationToken cancellationToken)
    {
        var flock = OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/flock", "/bin/flock", "/usr/local/bin/flock" }.FirstOrDefault(File.Exists);
        if (flock is null)
        {
            return new LockHolder(null, ProcessLock.TryAcquire(path) ?? throw new InvalidOperationException("The lock is busy."));
        }

        var info = new ProcessStartInfo(flock) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--exclusive", path, "cat" })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        while (!ProcessLock.IsHeld(path))
        {
            // flock waits for the lock if this probe happens to hold it for a moment; the test's token bounds the wait.
            await Task.Delay(10, cancellationToken);
        }

        return new LockHolder(process, null);
    }

    public async ValueTask DisposeAsync()
    {
        _local?.Dispose();
        if (_process is not null)
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
