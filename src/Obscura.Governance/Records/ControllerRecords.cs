using Obscura.Governance.Purposes;

namespace Obscura.Governance.Records;

/// <summary>The records one controller keeps (Art. 30(1)(a): name and contact, then its activities).</summary>
/// <param name="Controller">The controller.</param>
/// <param name="Activities">Its processing activities, by purpose id.</param>
public sealed record ControllerRecords(Organisation Controller, IReadOnlyList<ProcessingActivity> Activities);
