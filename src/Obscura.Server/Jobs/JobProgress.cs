namespace Obscura.Server.Jobs;

/// <summary>Stores a running job's progress fraction, under its lease, as the algorithm reports steps.</summary>
internal sealed class JobProgress<T>(JobStore store, JobLease lease, Func<T, double> fraction) : IProgress<T>
{
    public void Report(T value) => store.ReportProgress(lease, fraction(value));
}
