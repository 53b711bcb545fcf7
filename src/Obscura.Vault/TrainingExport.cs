namespace Obscura.Vault;

/// <summary>Where an export is in its life.</summary>
public enum ExportState
{
    /// <summary>Published; its training run's scratch area is open.</summary>
    Open = 1,

    /// <summary>Published; the run closed and its scratch area was deleted.</summary>
    Closed,

    /// <summary>Expired or withdrawn: its files and its pseudonymisation key are gone.</summary>
    Deleted,
}

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
    string Purpose,
    int PolicyVersion,
    IReadOnlyList<string> Fields,
    bool Pseudonymised,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset ScratchDeadline,
    int Records,
    ExportState State);

/// <summary>What a training run asks to export.</summary>
/// <param name="Run">Name of the run: 1–64 characters of a–z, 0–9, '.', '_' and '-'.</param>
/// <param name="Purpose">The training purpose; it needs a minimisation policy.</param>
/// <param name="Fields">
/// Fields to include, from <see cref="TrainingExportRequest.KnownFields"/> and <c>label:KEY</c>; the record id is
/// always included.
/// </param>
/// <param name="Pseudonymise">Replace object and subject ids by per-run HMAC pseudonyms.</param>
/// <param name="ExpiresAfter">Lifetime of the export; default 30 days.</param>
/// <param name="ScratchDeadline">Lifetime of the run's scratch area if the run is not closed; default 24 hours.</param>
public sealed record TrainingExportRequest(
    string Run,
    string Purpose,
    IReadOnlyList<string> Fields,
    bool Pseudonymise = true,
    TimeSpan? ExpiresAfter = null,
    TimeSpan? ScratchDeadline = null)
{
    /// <summary>Fields that are not labels.</summary>
    public static IReadOnlyList<string> KnownFields { get; } = ["payload", "subject", "collected-at", "source", "content-type"];
}

/// <summary>The outcome of a selection under one policy version.</summary>
/// <param name="Policy">The policy applied.</param>
/// <param name="SelectedAt">When.</param>
/// <param name="Eligible">Records eligible for the training purpose at that time.</param>
/// <param name="ObjectIds">The selected objects, in ordinal order.</param>
/// <param name="Subjects">The subjects of the selected objects, distinct, in ordinal order.</param>
public sealed record SubsetSelectionResult(MinimisationPolicy Policy, DateTimeOffset SelectedAt, int Eligible, IReadOnlyList<string> ObjectIds, IReadOnlyList<string> Subjects);

/// <summary>What a retention run did.</summary>
/// <param name="ExpiredObjects">Objects past their retention period, deleted.</param>
/// <param name="WithdrawnObjects">Objects whose subject withdrew consent or objected, deleted.</param>
/// <param name="ShreddedSubjects">Subjects whose data key was destroyed because no object of theirs is left.</param>
/// <param name="ExpiredExports">Exports past their expiry, deleted.</param>
/// <param name="ScratchAreasDeleted">Scratch areas past their deadline, deleted.</param>
public sealed record RetentionReport(int ExpiredObjects, int WithdrawnObjects, int ShreddedSubjects, int ExpiredExports, int ScratchAreasDeleted);
