using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs <see cref="LedgerWitness"/>: at start, after each commit of this process, and every
/// <c>Obscura:Witness:IntervalSeconds</c> for commits made by other processes on the same data folder. The write
/// path only signals; it never waits for a witness.
/// </summary>
internal sealed class LedgerWitnessService(LedgerWitness witness, DataFolder folder, IOptions<ObscuraOptions> options, TimeProvider time) : BackgroundService
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void Committed(object? sender, EventArgs e) => _signal.Writer.TryWrite(true);
        folder.Store.Committed += Committed;
        try
        {
            var interval = TimeSpan.FromSeconds(options.Value.Witness.IntervalSeconds);
            while (!stoppingToken.IsCancellationRequested)
            {
                await witness.PublishAsync(stoppingToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var woken = _signal.Reader.WaitToReadAsync(wait.Token).AsTask();
                await Task.WhenAny(woken, Task.Delay(interval, time, wait.Token));
                await wait.CancelAsync();
                _signal.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            folder.Store.Committed -= Committed;
        }
    }
}
