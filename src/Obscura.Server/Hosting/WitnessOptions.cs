using System.ComponentModel.DataAnnotations;

namespace Obscura.Server.Hosting;

/// <summary>
/// Where the server publishes each new signed tree head, section <c>Obscura:Witness</c>, so that a cut-back or
/// rewritten ledger can be shown against a head kept outside the data folder (<c>obscura ledger verify
/// --against-head</c>). Either, both or neither may be set.
/// </summary>
public sealed class WitnessOptions
{
    /// <summary>A folder (ideally on other storage, owned by someone else) that receives <c>latest.json</c>, replaced atomically, owner-only.</summary>
    public string? Folder { get; set; }

    /// <summary>A URL that receives each new head as a JSON <c>POST</c>; failures are logged and retried.</summary>
    public Uri? Url { get; set; }

    /// <summary>The longest, in seconds, between a commit made by another process on the same data folder and its publication.</summary>
    [Range(1, 3600)]
    public int IntervalSeconds { get; set; } = 5;

    /// <summary>Whether any witness is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Folder) || Url is not null;
}
