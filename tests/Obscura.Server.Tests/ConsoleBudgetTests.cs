using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Purposes;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's privacy-budget pages: every budget with its spend, one budget's releases and its spend plot, the
/// figures the ledger computes, and a budget whose charge was deleted in the database shown as NOT VERIFIED without
/// hiding the others.
/// </summary>
public sealed class ConsoleBudgetTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly Actor Setup = Actor.Parse("test:setup");
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task An_auditor_sees_each_budget_its_releases_and_the_spend_plot()
    {
        var (visits, _) = await BudgetsAsync("visits-a", "dwell-a");

        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var list = await auditor.Http.GetStringAsync("/console/budgets");
        // Rows of this test's budgets only: the class's other test tampers with a budget of its own.
        var visitsRow = Row(list, ">visits-a</a>");
        Assert.Contains("<td>0.3 (30 %)</td>", visitsRow, StringComparison.Ordinal); // three pure releases of ε = 0.1 against 1
        Assert.Contains("<td>0.7</td>", visitsRow, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT VERIFIED", visitsRow, StringComparison.Ordinal);
        Assert.Contains("<td>0.1 (10 %)</td>", Row(list, ">dwell-a</a>"), StringComparison.Ordinal);

        var page = await auditor.Http.GetStringAsync($"/console/budget?dataset=visits-a&purpose={visits}");
        Assert.Contains("<dt>Releases charged</dt><dd>3</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<td>3</td>", page, StringComparison.Ordinal);
        Assert.Contains(">histogram</td><td>0.3</td>", page, StringComparison.Ordinal);
        Assert.Contains("alt=\"ε spent after each release", page, StringComparison.Ordinal);

        var plot = await auditor.Http.GetAsync($"/console/budget?handler=Plot&dataset=visits-a&purpose={visits}");
        Assert.Equal(HttpStatusCode.OK, plot.StatusCode);
        Assert.Equal("image/png", plot.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await plot.Content.ReadAsByteArrayAsync())[..4]);

        // A budget that does not exist, and a malformed purpose, are errors, not empty pages.
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.Http.GetAsync($"/console/budget?dataset=nothing-here&purpose={visits}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.Http.GetAsync($"/console/budget?handler=Plot&dataset=nothing-here&purpose={visits}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.Http.GetAsync("/console/budget?dataset=visits-a&purpose=NOT%20A%20PURPOSE")).StatusCode);
    }

    [Fact]
    public async Task A_charge_deleted_in_the_database_shows_its_budget_as_not_verified_and_the_others_as_before()
    {
        var (visits, dwell) = await BudgetsAsync("visits-b", "dwell-b");
        using var controller = ConsoleClient.For(server);
        await controller.SignInAsync(server.KeyOf(Role.Controller));
        Assert.DoesNotContain("NOT VERIFIED", Row(await controller.Http.GetStringAsync("/console/budgets"), ">visits-b</a>"), StringComparison.Ordinal);

        // Someone with the file deletes a charge, which would refill the budget.
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER IF EXISTS privacy_charges_no_delete; DELETE FROM privacy_charges WHERE seq = (SELECT MAX(seq) FROM privacy_charges WHERE dataset = 'visits-b')";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var list = await controller.Http.GetStringAsync("/console/budgets");
        var visitsRow = Row(list, ">visits-b</a>");
        Assert.Contains("NOT VERIFIED", visitsRow, StringComparison.Ordinal);
        Assert.DoesNotContain("0.2 (20 %)", visitsRow, StringComparison.Ordinal);
        Assert.Contains("<td>0.1 (10 %)</td>", Row(list, ">dwell-b</a>"), StringComparison.Ordinal);

        var page = await controller.Http.GetAsync($"/console/budget?dataset=visits-b&purpose={visits}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, page.StatusCode);
        Assert.Contains("do not match the audit ledger", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await controller.Http.GetAsync($"/console/budget?handler=Plot&dataset=visits-b&purpose={visits}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.Http.GetAsync($"/console/budget?dataset=dwell-b&purpose={dwell}")).StatusCode);
    }

    /// <summary>Two budgets of ε = 1: the first charged three releases of ε = 0.1 (count, count, histogram), the second one.</summary>
    private async Task<(PurposeId First, PurposeId Second)> BudgetsAsync(string first, string second)
    {
        var governance = server.Services.GetRequiredService<GovernanceService>();
        foreach (var purpose in new[] { SamplePurposes.StoreAnalytics, SamplePurposes.IdentityVerification })
        {
            await governance.RegisterPurposeAsync(Setup, purpose, Ct); // a second registration is a conflict, ignored
        }

        var budgets = server.Services.GetRequiredService<PrivacyBudgetLedger>();
        var (a, b) = (SamplePurposes.StoreAnalytics.Id, SamplePurposes.IdentityVerification.Id);
        Assert.True((await budgets.SetAsync(Setup, first, a, 1, 0, Ct)).Succeeded);
        var set = await budgets.SetAsync(Setup, second, b, 1, 0, Ct);
        Assert.True(set.Succeeded, set.Error?.Message);
        foreach (var query in new[] { "count", "count", "histogram" })
        {
            var charged = await budgets.ChargeAsync(Setup, first, a, new PrivacyCost.Pure(Rational.Of(1, 10)), query, Ct);
            Assert.True(charged.Succeeded, charged.Error?.Message);
        }

        Assert.True((await budgets.ChargeAsync(Setup, second, b, new PrivacyCost.Pure(Rational.Of(1, 10)), "mean", Ct)).Succeeded);
        return (a, b);
    }

    private static string Row(string html, string marker)
    {
        var at = html.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, marker);
        var end = html.IndexOf("</tr>", at, StringComparison.Ordinal);
        return html[at..end];
    }
}
