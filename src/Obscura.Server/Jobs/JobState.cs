namespace Obscura.Server.Jobs;

/// <summary>Where a job is in its life: queued, running under a lease, or in one of the three final states.</summary>
public enum JobState
{
    /// <summary>Waiting for a worker.</summary>
    Queued,

    /// <summary>Claimed by a worker, whose lease is renewed while it runs.</summary>
    Running,

    /// <summary>Finished; the result is stored.</summary>
    Succeeded,

    /// <summary>Finished with an error; the message is stored.</summary>
    Failed,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}
