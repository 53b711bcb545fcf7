using System.Collections.Concurrent;
using System.Security.Cryptography;
using Obscura.Security.Locks;

namespace Obscura.Vault.Internal;

/// <summary>
/// This process's lease as a writer of the vault: an exclusive <see cref="ProcessLock"/> on <c>writers/&lt;id&gt;.lock</c>,
/// held for as long as the vault is open. Every pending row, pending export, staging folder and outbox entry carries
/// the writer id, so recovery can tell unfinished work of a live process (its lock is held: leave it alone) from the
/// debris of a dead one (its lock is free: the operating system released it when the process died). A process opening
/// the vault reuses a free lock file where there is one, which keeps the folder as small as the number of processes
/// that ever ran at once; the work a previous holder left under that id is recovered before the id is used again.
/// Within the process, <see cref="Track"/> marks the items an operation is working on so that this process's own
/// recovery leaves them alone too.
/// </summary>
internal sealed class WriterLease : IDisposable
{
    private readonly ProcessLock _lock;
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);

    private WriterLease(string id, ProcessLock held)
    {
        Id = id;
        _lock = held;
    }

    public string Id { get; }

    /// <summary>Takes a free writer lock in <paramref name="layout"/>'s writers folder, or a new one.</summary>
    public static WriterLease Acquire(VaultLayout layout)
    {
        if (Directory.Exists(layout.Writers))
        {
            foreach (var file in Directory.EnumerateFiles(layout.Writers, "*.lock").Order(StringComparer.Ordinal))
            {
                var id = Path.GetFileNameWithoutExtension(file);
                if (VaultLayout.IsWriterId(id) && ProcessLock.TryAcquire(file) is { } reused)
                {
                    return new WriterLease(id, reused);
                }
            }
        }

        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            if (ProcessLock.TryAcquire(layout.WriterLock(id)) is { } fresh)
            {
                return new WriterLease(id, fresh);
            }
        }
    }

    /// <summary>Marks <paramref name="item"/> (an object id, <c>export:RUN</c>) as being worked on by this process until the result is disposed.</summary>
    public IDisposable Track(string item)
    {
        _inFlight[item] = 0;
        return new Untrack(_inFlight, item);
    }

    public bool IsInFlight(string item) => _inFlight.ContainsKey(item);

    public void Dispose() => _lock.Dispose();

    private sealed class Untrack(ConcurrentDictionary<string, byte> set, string item) : IDisposable
    {
        public void Dispose() => set.TryRemove(item, out _);
    }
}
