using Microsoft.AspNetCore.Mvc;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Server.Hosting;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// One subject: their consent state and the processing decision for every registered purpose (the same
/// <see cref="GovernanceService.AuthorizeAsync"/> the API's <c>/v1/decisions</c> answers with), their history, and for
/// controllers the forms to give and withdraw consent, which call the same domain services as the API.
/// </summary>
internal sealed class SubjectModel(GovernanceService governance, BiometricShredding shredding) : ConsolePageModel
{
    public SubjectId? Subject { get; private set; }

    public ConsentHistory? History { get; private set; }

    public IReadOnlyList<PurposeRow> Rows { get; private set; } = [];

    public IReadOnlyList<HistoryRow> Events { get; private set; } = [];

    public async Task OnGetAsync(string? id, string? done, CancellationToken cancellationToken)
    {
        Done = done switch
        {
            "registered" => "The subject is registered.",
            "granted" => "Consent recorded.",
            "withdrawn" => "Consent withdrawn.",
            _ => null,
        };
        await LoadAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostGrantAsync(string? id, [FromForm] string? purpose, [FromForm] string? noticeVersion, [FromForm] bool @explicit, [FromForm] string? channel, CancellationToken cancellationToken)
    {
        if (!Parse(id, purpose, out var subject, out var purposeId))
        {
            await LoadAsync(id, cancellationToken);
            return Page();
        }

        var outcome = await governance.GiveConsentAsync(Actor, new ConsentGrant(subject, purposeId, noticeVersion?.Trim() ?? string.Empty, @explicit, channel?.Trim() ?? string.Empty), cancellationToken);
        return await AfterChangeAsync(outcome, subject, "granted", cancellationToken);
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string? id, [FromForm] string? purpose, CancellationToken cancellationToken)
    {
        if (!Parse(id, purpose, out var subject, out var purposeId))
        {
            await LoadAsync(id, cancellationToken);
            return Page();
        }

        var outcome = await governance.WithdrawConsentAsync(Actor, subject, purposeId, cancellationToken);
        if (outcome.Succeeded)
        {
            // As the API's withdrawal route does: the withdrawal is committed, so its shredding runs to the end even if the browser leaves.
            await shredding.AfterWithdrawalAsync(Actor.Value, subject, CancellationToken.None);
        }

        return await AfterChangeAsync(outcome, subject, "withdrawn", cancellationToken);
    }

    private async Task<IActionResult> AfterChangeAsync(Outcome<ConsentStatus> outcome, SubjectId subject, string done, CancellationToken cancellationToken)
    {
        if (outcome.Succeeded)
        {
            return RedirectToPage("/Subject", new { id = subject.Value, done });
        }

        await LoadAsync(subject.Value, cancellationToken);
        Fail(outcome.Error!);
        return Page();
    }

    private bool Parse(string? id, string? purpose, out SubjectId subject, out PurposeId purposeId)
    {
        purposeId = default;
        if (!SubjectId.TryParse(id, out subject) || !PurposeId.TryParse(purpose, out purposeId))
        {
            Error = "The subject id or purpose id is not valid.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return false;
        }

        return true;
    }

    private async Task LoadAsync(string? id, CancellationToken cancellationToken)
    {
        if (!SubjectId.TryParse(id, out var subject))
        {
            Error ??= "A subject id is 1-64 characters of letters, digits and ._:/@- starting with a letter or digit.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Subject = subject;
        var history = await governance.GetConsentHistoryAsync(Actor, subject, cancellationToken);
        if (!history.Succeeded)
        {
            Fail(history.Error!);
            return;
        }

        History = history.Value!;
        var rows = new List<PurposeRow>();
        foreach (var purpose in await governance.ListPurposesAsync(cancellationToken))
        {
            var status = History.Statuses.FirstOrDefault(s => s.Purpose == purpose.Id);
            rows.Add(new PurposeRow(purpose, status, await governance.AuthorizeAsync(subject, purpose.Id, null, cancellationToken)));
        }

        Rows = rows;
        Events = [.. History.Consents.Select(c => new HistoryRow(c.At, c.Purpose.Value, c.Kind == ConsentEventKind.Given ? (c.Explicit ? "consent given (explicit)" : "consent given") : "consent withdrawn", c.NoticeVersion, c.Channel, c.Actor))
            .Concat(History.Objections.Select(o => new HistoryRow(o.At, o.Purpose.Value, o.Kind == ObjectionEventKind.Objected ? "objected (Art. 21)" : "objection lifted", string.Empty, string.Empty, o.Actor)))
            .OrderBy(r => r.At)];
    }

    /// <summary>A registered purpose with the subject's state and the decision for it now.</summary>
    public sealed record PurposeRow(Purpose Purpose, ConsentStatus? Status, ProcessingDecision Decision);

    /// <summary>One consent or objection event, for the history table.</summary>
    public sealed record HistoryRow(DateTimeOffset At, string Purpose, string What, string Notice, string Channel, string Actor);
}
