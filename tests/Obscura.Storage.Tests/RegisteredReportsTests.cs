using System.Text;
using Obscura.Governance;
using Obscura.Storage.Reports;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Reports registered in the ledger on each backend: the ledger's entry for a name is found (newest first), the
/// registered bytes read back as verified, an edited file as altered, and the ledger still verifies intact with the
/// registrations in it. A name whose file was deleted stays taken: the ledger keeps it.
/// </summary>
public abstract class RegisteredReportsTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_registered_report_reads_back_verified_an_edited_one_altered_and_the_ledger_stays_intact()
    {
        using var f = Fixture();
        var reports = new RegisteredReports(f.Folder, f.Store, f.Ledger);
        var first = await reports.RegisterAsync("test:admin", "first", "eval", Encoding.UTF8.GetBytes("{\"a\":1}"), Ct);
        Assert.True(first.Succeeded, first.Error?.Message);
        Assert.Equal(Path.Combine(f.Folder, "reports", "first.json"), first.Value);
        Assert.True((await reports.RegisterAsync("test:admin", "second", "audit-model", Encoding.UTF8.GetBytes("{\"b\":2}"), Ct)).Succeeded);

        var read = await reports.ReadAsync("first", Ct);
        Assert.Equal(ReportStatus.Verified, read.Status);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(read.Content!));
        Assert.Equal(["first", "second"], reports.ListNames());
        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);

        await File.WriteAllTextAsync(reports.PathOf("second"), "{\"b\":3}", Ct);
        var edited = await reports.ReadAsync("second", Ct);
        Assert.Equal(ReportStatus.Altered, edited.Status);
        Assert.Null(edited.Content);

        File.Delete(reports.PathOf("first"));
        Assert.Equal(ReportStatus.NotFound, (await reports.ReadAsync("first", Ct)).Status);
        var again = await reports.RegisterAsync("test:admin", "first", "eval", Encoding.UTF8.GetBytes("{\"a\":2}"), Ct);
        Assert.Equal(GovernanceErrorKind.Conflict, again.Error?.Kind);
        Assert.Contains("registered before", again.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_in_the_reports_folder_is_not_read_and_a_name_with_a_trailing_newline_is_refused()
    {
        using var f = Fixture();
        var reports = new RegisteredReports(f.Folder, f.Store, f.Ledger);
        Assert.True((await reports.RegisterAsync("test:admin", "genuine", "eval", Encoding.UTF8.GetBytes("{\"a\":1}"), Ct)).Succeeded);

        // A link to /dev/zero has length 0 and never ends: read, it would fill memory. It is refused unread.
        File.CreateSymbolicLink(reports.PathOf("zero"), "/dev/zero");
        var link = await reports.ReadAsync("zero", Ct);
        Assert.Equal(ReportStatus.NotRegistered, link.Status);
        Assert.Contains("link", link.Explanation, StringComparison.Ordinal);
        Assert.Null(link.Content);

        // A link to a registered report's file is no more that report than a copy is.
        File.CreateSymbolicLink(reports.PathOf("alias"), reports.PathOf("genuine"));
        Assert.Equal(ReportStatus.NotRegistered, (await reports.ReadAsync("alias", Ct)).Status);

        // '$' in a .NET pattern also matches before a final newline: "genuine\n" must not pass as a name.
        await Assert.ThrowsAsync<ArgumentException>(() => reports.ReadAsync("genuine\n", Ct));
    }

    [Fact]
    public async Task A_named_pipe_in_the_reports_folder_is_refused_without_opening_it()
    {
        using var f = Fixture();
        var reports = new RegisteredReports(f.Folder, f.Store, f.Ledger);
        Assert.True((await reports.RegisterAsync("test:admin", "genuine", "eval", Encoding.UTF8.GetBytes("{\"a\":1}"), Ct)).Succeeded);
        var pipe = reports.PathOf("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            await mkfifo.WaitForExitAsync(Ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opened for reading, a pipe blocks until a writer comes: the read must not get that far. Should it hang
        // (the check removed), the wait below fails the test and a writer is opened so that nothing stays blocked.
        var reading = Task.Run(() => reports.ReadAsync("pipe", Ct), Ct);
        var finished = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30), Ct));
        if (finished != reading)
        {
            await using (new FileStream(pipe, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("reading the pipe blocked: it was opened");
        }

        var read = await reading;
        Assert.Equal(ReportStatus.NotRegistered, read.Status);
        Assert.Null(read.Content);
        Assert.Equal(ReportStatus.Verified, (await reports.ReadAsync("genuine", Ct)).Status);
    }
}
