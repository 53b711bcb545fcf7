using Microsoft.AspNetCore.Mvc;
using Obscura.Governance;
using Obscura.Governance.Subjects;

namespace Obscura.Server.Console.Pages;

/// <summary>Subjects: a lookup for every role; the list and registration for controllers, as in <c>/v1/subjects</c>.</summary>
internal sealed class SubjectsModel(GovernanceService governance) : ConsolePageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<SubjectRecord> Listed { get; private set; } = [];

    public string? After { get; private set; }

    public async Task OnGetAsync(string? after, CancellationToken cancellationToken)
    {
        if (!IsController)
        {
            return;
        }

        SubjectId? from = null;
        if (after is not null)
        {
            if (!SubjectId.TryParse(after, out var parsed))
            {
                Error = "That is not a subject id.";
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            from = parsed;
            After = after;
        }

        var outcome = await governance.ListSubjectsAsync(Actor, from, PageSize, cancellationToken);
        if (outcome.Succeeded)
        {
            Listed = outcome.Value!;
        }
        else
        {
            Fail(outcome.Error!);
        }
    }

    public async Task<IActionResult> OnPostRegisterAsync([FromForm] string? id, CancellationToken cancellationToken)
    {
        SubjectId? requested = null;
        if (!string.IsNullOrWhiteSpace(id))
        {
            if (!SubjectId.TryParse(id.Trim(), out var parsed))
            {
                Error = "A subject id is 1-64 characters of letters, digits and ._:/@- starting with a letter or digit.";
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            }

            requested = parsed;
        }

        var outcome = await governance.RegisterSubjectAsync(Actor, requested, cancellationToken);
        if (!outcome.Succeeded)
        {
            Fail(outcome.Error!);
            await OnGetAsync(null, cancellationToken);
            return Page();
        }

        return RedirectToPage("/Subject", new { id = outcome.Value!.Id.Value, done = "registered" });
    }
}
