namespace Obscura.Vault;

/// <summary>Where an export is in its life.</summary>
public enum ExportState
{
    /// <summary>Published; its training run's scratch area is open.</summary>
    Open = 1,

    /// <summary>Published; the run closed and its scratch area was deleted.</summary>
    Closed,

    /// <summary>Expired or withdrawn: its files and its pseudonymisation key are gone.</summary>
    Deleted,
}
