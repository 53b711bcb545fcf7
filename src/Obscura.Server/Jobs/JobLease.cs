namespace Obscura.Server.Jobs;

/// <summary>
/// A worker's claim on a running job: its owner, a fresh random token per claim (the fence: only the holder of the
/// current token may report progress, renew, complete or fail the job), the attempt number and when it expires.
/// </summary>
/// <param name="JobId">The job.</param>
/// <param name="Owner">The worker that claimed it (process and instance).</param>
/// <param name="Token">The claim's random token.</param>
/// <param name="Attempt">1 for the first claim, one more for each re-claim after a lease expired.</param>
/// <param name="ExpiresAt">When the lease lapses unless renewed.</param>
public sealed record JobLease(string JobId, string Owner, string Token, int Attempt, DateTimeOffset ExpiresAt);
