using Microsoft.AspNetCore.Mvc;
using Obscura.Governance.Budgets;
using Obscura.Governance.Purposes;
using Obscura.Plots;

namespace Obscura.Server.Console.Pages;

/// <summary>One budget: its status, every charged release with the ε spent after it, and the spend plot (PNG).</summary>
internal sealed class BudgetModel(PrivacyBudgetLedger budgets) : ConsolePageModel
{
    public PrivacyBudgetStatus? Status { get; private set; }

    public PrivacyBudgetHistory? History { get; private set; }

    public string Dataset { get; private set; } = "";

    public string Purpose { get; private set; } = "";

    public async Task OnGetAsync([FromQuery] string? dataset, [FromQuery] string? purpose, CancellationToken cancellationToken)
    {
        Dataset = dataset ?? "";
        Purpose = purpose ?? "";
        if (Parse(purpose) is not { } id)
        {
            Error = "Name a purpose id: /console/budget?dataset=…&purpose=….";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var status = await budgets.GetStatusAsync(Dataset, id, cancellationToken);
        if (!status.Succeeded)
        {
            Fail(status.Error!);
            return;
        }

        var history = await budgets.GetHistoryAsync(Dataset, id, cancellationToken);
        if (!history.Succeeded)
        {
            Fail(history.Error!);
            return;
        }

        (Status, History) = (status.Value, history.Value);
    }

    /// <summary>The spend over time as a PNG (the same plot as <c>obscura dp budget show --plot</c>).</summary>
    public async Task<IActionResult> OnGetPlotAsync([FromQuery] string? dataset, [FromQuery] string? purpose, CancellationToken cancellationToken)
    {
        if (Parse(purpose) is not { } id)
        {
            return BadRequest();
        }

        var history = await budgets.GetHistoryAsync(dataset ?? "", id, cancellationToken);
        if (!history.Succeeded)
        {
            return history.Error!.Kind == Governance.GovernanceErrorKind.NotFound ? NotFound() : StatusCode(StatusCodes.Status422UnprocessableEntity);
        }

        var h = history.Value!;
        var png = BudgetSpendPlot.Render($"{h.Budget.Dataset} for {h.Budget.Purpose.Value}", h.Budget.CreatedAt, h.Budget.Epsilon, [.. h.Spend.Select(s => new BudgetSpend(s.ChargedAt, s.EpsilonSpent))]);
        return File(png, "image/png");
    }

    private static PurposeId? Parse(string? purpose) => PurposeId.TryParse(purpose, out var id) ? id : null;
}
