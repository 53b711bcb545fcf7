using Obscura.Governance;
using Obscura.Governance.Assessments;
using Obscura.Governance.Purposes;

namespace Obscura.Server.Console.Pages;

/// <summary>Registered purposes with their lawful basis, and the Art. 6(4) assessments (read by controllers and auditors, as in the API).</summary>
internal sealed class PurposesModel(GovernanceService governance) : ConsolePageModel
{
    public IReadOnlyList<Purpose> Purposes { get; private set; } = [];

    public IReadOnlyList<CompatibilityAssessment> Assessments { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Purposes = await governance.ListPurposesAsync(cancellationToken);
        Assessments = await governance.ListAssessmentsAsync(null, null, cancellationToken);
    }
}
