using System.ComponentModel.DataAnnotations;

namespace Obscura.Server.Jobs;

/// <summary>How this process runs jobs, section <c>Obscura:Jobs</c>.</summary>
public sealed class JobOptions
{
    /// <summary>Jobs this process runs at once; 0 runs none (the process only queues and answers), the default 1 suits few cores.</summary>
    [Range(0, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>How long a claim holds a job without a heartbeat, in seconds; after that another worker may take it over.</summary>
    [Range(5, 24 * 60 * 60)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often a running job's lease is renewed, in seconds (below <see cref="LeaseSeconds"/>).</summary>
    [Range(1, 24 * 60 * 60)]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>How often an idle worker looks for jobs queued by other processes or whose lease expired, in milliseconds.</summary>
    [Range(50, 10 * 60 * 1000)]
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>The lease a claim or heartbeat gives.</summary>
    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    /// <summary>The interval between heartbeats.</summary>
    public TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);

    /// <summary>The idle poll interval.</summary>
    public TimeSpan Poll => TimeSpan.FromMilliseconds(PollMilliseconds);
}
