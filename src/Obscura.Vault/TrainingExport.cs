using Obscura.Governance.Purposes;

namespace Obscura.Vault;

/// <summary>
/// A training-set export for a named training run: the selected subset only, only the declared fields, optionally
/// with ids pseudonymised by a keyed HMAC that is particular to the run.
/// </summary>
/// <param name="Run">The training run's name; also the export folder's name.</param>
/// <param name="Purpose">The training purpose.</param>
/// <param name="PolicyVersion">The minimisation policy version whose selection was exported.</param>
/// <param name="Fields">The fields the run declared it needs.</param>
/// <param name="Pseudonymised">Whether object and subject ids were replaced by HMAC-SHA-256 pseudonyms.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="ExpiresAt">When it is deleted.</param>
/// <param name="ScratchDeadline">When the run's scratch area is deleted if the run has not closed.</param>
/// <param name="Records">Records in the export now (erasures remove records).</param>
/// <param name="State">Open, closed or deleted.</param>
public sealed record TrainingExport(
    string Run,
    PurposeId Purpose,
    int PolicyVersion,
    IReadOnlyList<string> Fields,
    bool Pseudonymised,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset ScratchDeadline,
    int Records,
    ExportState State);
