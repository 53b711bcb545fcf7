using Microsoft.Extensions.Options;
using Obscura.Server.Hosting;

namespace Obscura.Server.Jobs;

/// <summary>
/// Runs up to <see cref="JobOptions.Concurrency"/> jobs at a time: claims queued jobs (and jobs whose lease lapsed
/// because their process died), from this process or any other on the data folder. At shutdown its running jobs go
/// back to the queue.
/// </summary>
internal sealed class JobWorkerService(JobStore store, JobExecutor executor, IOptions<ObscuraOptions> options, ILogger<JobWorkerService> log) : BackgroundService
{
    /// <summary>This worker's name in leases: host, process and a random instance id.</summary>
    public string Owner { get; } = $"{new string([.. Environment.MachineName.Take(60)])}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var jobs = options.Value.Jobs;
        if (jobs.Concurrency == 0)
        {
            return;
        }

        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            try
            {
                while (running.Count < jobs.Concurrency && executor.TryClaimNext(Owner) is { } lease)
                {
                    running.Add(RunAsync(lease, stoppingToken));
                }
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                log.LogWarning("Claiming a job failed ({Code}); trying again at the next poll.", ex.SqliteErrorCode);
            }

            await Task.WhenAny([store.WaitForWorkAsync(jobs.Poll, stoppingToken), .. running]).ConfigureAwait(false);
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task RunAsync(JobLease lease, CancellationToken stoppingToken)
    {
        try
        {
            await executor.RunClaimedAsync(lease, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // The lease lapses and another worker (or this one) takes the job over.
            log.LogError("Job {Job} could not be run to its end ({Type}); it will be taken over when its lease lapses.", lease.JobId, ex.GetType().Name);
        }
    }
}
