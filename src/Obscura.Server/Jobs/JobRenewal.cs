namespace Obscura.Server.Jobs;

/// <summary>What a heartbeat found.</summary>
public enum JobRenewal
{
    /// <summary>The lease is still this worker's and was extended.</summary>
    Held,

    /// <summary>The lease was extended, but a controller asked to cancel the job.</summary>
    CancelRequested,

    /// <summary>The lease is no longer this worker's (it expired and another worker took the job, or the job ended).</summary>
    Lost,
}
