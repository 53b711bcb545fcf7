using System.Diagnostics;
using Obscura.Security.Locks;
using Obscura.TestSupport;

namespace Obscura.Security.Tests;

public sealed class ProcessLockTests
{
    [Fact]
    public void A_held_lock_is_refused_to_a_second_holder_until_released()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "locks", "writer.lock");

        using (var first = ProcessLock.TryAcquire(path))
        {
            Assert.NotNull(first);
            Assert.Null(ProcessLock.TryAcquire(path));
            Assert.True(ProcessLock.IsHeld(path));
        }

        Assert.False(ProcessLock.IsHeld(path));
        using var again = ProcessLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_waiting_acquirer_gets_the_lock_when_the_holder_releases_it()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "writer.lock");
        var holder = ProcessLock.TryAcquire(path)!;

        var waiting = ProcessLock.AcquireAsync(path, TestContext.Current.CancellationToken);
        await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        holder.Dispose();

        using var acquired = await waiting;
        Assert.True(ProcessLock.IsHeld(path));
    }

    [Fact]
    public async Task Waiting_is_bounded_only_by_cancellation()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "writer.lock");
        using var holder = ProcessLock.TryAcquire(path)!;
        using var cancel = new CancellationTokenSource();

        var waiting = ProcessLock.AcquireAsync(path, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Throws<OperationCanceledException>(() => ProcessLock.Acquire(path, cancel.Token));
    }

    [Fact]
    public async Task A_lock_held_by_another_process_is_seen_and_is_freed_when_that_process_is_killed()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows() || !File.Exists("/usr/bin/flock"), "Needs util-linux flock(1).");
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "writer.lock");
        File.WriteAllBytes(path, []);
        var start = new ProcessStartInfo("/usr/bin/flock", ["--exclusive", path, "-c", "echo held; exec cat"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var other = Process.Start(start)!;
        Assert.Equal("held", await other.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));

        Assert.True(ProcessLock.IsHeld(path));
        Assert.Null(ProcessLock.TryAcquire(path));

        other.Kill(entireProcessTree: true);
        await other.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.False(ProcessLock.IsHeld(path));
    }
}
