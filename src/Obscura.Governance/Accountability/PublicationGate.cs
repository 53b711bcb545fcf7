using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// Whether a purpose's governance lets its notice or its reports be published: the purpose relies on legitimate
/// interests (Art. 6(1)(f)) with a passed assessment, a DPIA is recorded, a prior consultation is answered without
/// refusal where the DPIA leaves a high risk (Art. 36), every declared processor is reviewed with a complete security
/// checklist (Art. 28, 32) — every gap of <see cref="PurposeAccountability"/> blocks — and, for the notice, its
/// particulars are recorded (<see cref="NoticeParticulars"/>).
/// </summary>
public static class PublicationGate
{
    /// <summary>What blocks publishing <paramref name="what"/> for <paramref name="purpose"/>; empty when nothing does.</summary>
    /// <exception cref="ArgumentException"><paramref name="accountability"/> is not the summary of <paramref name="purpose"/>.</exception>
    public static IReadOnlyList<string> Blockers(Purpose purpose, PurposeAccountability accountability, Publication what)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(accountability);
        if (accountability.Purpose != purpose.Id)
        {
            throw new ArgumentException("The accountability summary is of another purpose.", nameof(accountability));
        }

        var blockers = new List<string>();
        if (purpose.Definition.LawfulBasis != LawfulBasis.LegitimateInterests)
        {
            blockers.Add($"The purpose relies on {purpose.Definition.LawfulBasis}; the store notice and reports are for processing under legitimate interests (Art. 6(1)(f)).");
        }

        blockers.AddRange(accountability.Gaps);
        if (what == Publication.Notice && accountability.NoticeParticulars is null)
        {
            blockers.Add("No notice particulars are recorded: the second-layer and objection addresses and how to complain (Art. 13).");
        }

        return blockers;
    }

    /// <summary>Throws unless nothing blocks publishing <paramref name="what"/> for <paramref name="purpose"/>.</summary>
    /// <exception cref="PublicationRefusedException">Something does; it lists what.</exception>
    public static void Ensure(Purpose purpose, PurposeAccountability accountability, Publication what)
    {
        var blockers = Blockers(purpose, accountability, what);
        if (blockers.Count > 0)
        {
            throw new PublicationRefusedException(purpose.Id, blockers);
        }
    }
}
