using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// <see cref="PublicationGate"/> refused to let the notice or a report of a purpose be produced: its governance is
/// incomplete. <see cref="Blockers"/> says what is missing, each naming its article.
/// </summary>
public sealed class PublicationRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="purpose"/> with what blocks publication.</summary>
    public PublicationRefusedException(PurposeId purpose, IReadOnlyList<string> blockers)
        : base($"Purpose '{purpose}' cannot be published while its governance is incomplete: {string.Join(" ", blockers ?? [])}")
    {
        ArgumentNullException.ThrowIfNull(blockers);
        Purpose = purpose;
        Blockers = blockers;
    }

    /// <summary>The purpose.</summary>
    public PurposeId Purpose { get; }

    /// <summary>What blocks publication.</summary>
    public IReadOnlyList<string> Blockers { get; }
}
