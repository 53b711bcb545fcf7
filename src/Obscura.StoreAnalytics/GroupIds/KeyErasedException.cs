namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// A day's group-ID key was asked for after the ratchet had moved past that day: the key was erased (forward secrecy)
/// and no state the edge keeps can give it back.
/// </summary>
public sealed class KeyErasedException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="requested"/> when the ratchet stands at <paramref name="current"/>.</summary>
    public KeyErasedException(DateOnly requested, DateOnly current)
        : base($"The group-ID key of {requested:yyyy-MM-dd} was erased when the ratchet moved on to {current:yyyy-MM-dd}; past days' keys cannot be derived again (forward secrecy).")
    {
        Requested = requested;
        Current = current;
    }

    /// <summary>The day asked for.</summary>
    public DateOnly Requested { get; }

    /// <summary>The earliest day the ratchet can still give a key for.</summary>
    public DateOnly Current { get; }
}
