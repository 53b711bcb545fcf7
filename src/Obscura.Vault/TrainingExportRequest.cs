using Obscura.Governance.Purposes;

namespace Obscura.Vault;

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
    PurposeId Purpose,
    IReadOnlyList<string> Fields,
    bool Pseudonymise = true,
    TimeSpan? ExpiresAfter = null,
    TimeSpan? ScratchDeadline = null)
{
    /// <summary>Fields that are not labels.</summary>
    public static IReadOnlyList<string> KnownFields { get; } = ["payload", "subject", "collected-at", "source", "content-type"];

    /// <summary>Whether <paramref name="field"/> is one of <see cref="KnownFields"/> or <c>label:KEY</c> with KEY a label key.</summary>
    internal static bool IsField(string? field) =>
        field is not null && (KnownFields.Contains(field) || (field.StartsWith("label:", StringComparison.Ordinal) && Internal.VaultLayout.IsToken(field["label:".Length..])));
}
