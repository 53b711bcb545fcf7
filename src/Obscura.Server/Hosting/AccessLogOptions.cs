using System.ComponentModel.DataAnnotations;
using Obscura.Governance.Ledger;

namespace Obscura.Server.Hosting;

/// <summary>When reads recorded in the access log are committed to the ledger, section <c>Obscura:AccessLog</c> (see <see cref="AccessLogPolicy"/>).</summary>
public sealed class AccessLogOptions
{
    /// <summary>Rows per ledger commitment.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = AccessLogPolicy.Default.BatchSize;

    /// <summary>The longest a row waits for its commitment, in seconds; the server also commits pending rows this often and at shutdown.</summary>
    [Range(1, 24 * 60 * 60)]
    public int MaxAgeSeconds { get; set; } = (int)AccessLogPolicy.Default.MaxAge.TotalSeconds;

    /// <summary>The policy these settings describe.</summary>
    public AccessLogPolicy Policy => new(BatchSize, TimeSpan.FromSeconds(MaxAgeSeconds));
}
