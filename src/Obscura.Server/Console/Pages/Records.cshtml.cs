using Microsoft.AspNetCore.Mvc;
using Obscura.Governance;
using Obscura.Governance.Records;

namespace Obscura.Server.Console.Pages;

/// <summary>The Art. 30 records, and their Markdown export (the same document as <c>GET /v1/records/markdown</c>).</summary>
internal sealed class RecordsModel(GovernanceService governance) : ConsolePageModel
{
    public RecordsOfProcessing? Records { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Records = await governance.GetRecordsOfProcessingAsync(cancellationToken);

    public async Task<IActionResult> OnGetMarkdownAsync(CancellationToken cancellationToken)
    {
        var markdown = RecordsMarkdown.Render(await governance.GetRecordsOfProcessingAsync(cancellationToken));
        return File(System.Text.Encoding.UTF8.GetBytes(markdown), "text/markdown; charset=utf-8", "records-of-processing.md");
    }
}
