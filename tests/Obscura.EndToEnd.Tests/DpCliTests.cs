using System.Globalization;
using System.Text;
using System.Text.Json;
using Obscura.Cli;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura dp query</c> over a CSV file and <c>obscura ldp simulate</c>.</summary>
public sealed class DpCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Dp_query_answers_each_kind_with_its_privacy_and_refuses_undeclared_bounds()
    {
        var csv = Path.Combine(_dir.Path, "visits.csv");
        var text = new StringBuilder("visitor,minutes,zone\n");
        for (var i = 0; i < 400; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"v{i % 250},{10 + (i % 30)},{(i % 4 == 0 ? "entrance" : "tills")}\n");
        }

        await File.WriteAllTextAsync(csv, text.ToString(), TestContext.Current.CancellationToken);
        var data = Path.Combine(_dir.Path, "data");
        string[] Query(params string[] args) => ["--data", data, "dp", "query", "--csv", csv, "--subject-column", "visitor", "--uncharged", "--reason", "e2e-test", .. args];

        var count = await Cli.RunAsync(Query("--kind", "count", "--epsilon", "1"));
        Assert.True(count.Code == ExitCodes.Success, count.Err);
        var root = JsonDocument.Parse(count.Out).RootElement;
        // 250 visitors, one row each after bounding; the noise has sd 1.36, so 250 ± 20 fails with probability below 1e-30.
        Assert.InRange(root.GetProperty("value").GetInt64(), 230, 270);
        Assert.Equal("1-DP (pure)", root.GetProperty("privacy").GetString());

        var mean = await Cli.RunAsync(Query("--kind", "mean", "--value-column", "minutes", "--lower", "0", "--upper", "60", "--rho", "0.5", "--max-contributions", "2"));
        Assert.True(mean.Code == ExitCodes.Success, mean.Err);
        Assert.InRange(JsonDocument.Parse(mean.Out).RootElement.GetProperty("value").GetDouble(), 0, 60);

        var histogram = await Cli.RunAsync(Query("--kind", "histogram", "--value-column", "zone", "--categories", "entrance,tills,exit", "--epsilon", "1"));
        Assert.True(histogram.Code == ExitCodes.Success, histogram.Err);
        Assert.Equal(3, JsonDocument.Parse(histogram.Out).RootElement.GetProperty("value").EnumerateObject().Count());

        var median = await Cli.RunAsync(Query("--kind", "quantile", "--value-column", "minutes", "--lower", "0", "--upper", "60", "--granularity", "1", "--epsilon", "1"));
        Assert.True(median.Code == ExitCodes.Success, median.Err);

        var noBounds = await Cli.RunAsync(Query("--kind", "sum", "--value-column", "minutes", "--epsilon", "1"));
        Assert.Equal(ExitCodes.Usage, noBounds.Code);
        Assert.Contains("never read from the data", noBounds.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Query("--kind", "count", "--epsilon", "1", "--rho", "1"))).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Query("--kind", "count", "--epsilon", "-1"))).Code);
    }

    [Fact]
    public async Task Dp_query_with_a_dataset_is_charged_to_its_budget_and_refused_once_it_is_spent()
    {
        var data = Path.Combine(_dir.Path, "data");
        var csv = Path.Combine(_dir.Path, "queue.csv");
        await File.WriteAllTextAsync(csv, "visitor,seconds\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"v{i},{i * 3}\n")), TestContext.Current.CancellationToken);
        var purposeFile = Path.Combine(_dir.Path, "purpose.json");
        await File.WriteAllTextAsync(purposeFile, JsonSerializer.Serialize(SamplePurposes.StoreAnalytics, Obscura.Governance.Serialization.GovernanceJson.Indented), TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", data, "purposes", "register", "--file", purposeFile)).Code);
        var set = await Cli.RunAsync("--data", data, "dp", "budget", "set", "--dataset", "queue-2026-11", "--purpose", "store-analytics", "--epsilon", "1");
        Assert.True(set.Code == ExitCodes.Success, set.Err);

        string[] Count() => ["--data", data, "dp", "query", "--csv", csv, "--subject-column", "visitor", "--kind", "count", "--epsilon", "0.5", "--dataset", "queue-2026-11", "--purpose", "store-analytics"];
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(Count())).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(Count())).Code);
        var spent = await Cli.RunAsync(Count());
        Assert.Equal(ExitCodes.Refused, spent.Code);
        Assert.Contains("spent", spent.Err, StringComparison.Ordinal);
        Assert.Empty(spent.Out); // nothing is released when the charge is refused

        var plot = Path.Combine(_dir.Path, "spend.png");
        var show = await Cli.RunAsync("--data", data, "dp", "budget", "show", "--dataset", "queue-2026-11", "--purpose", "store-analytics", "--plot", plot);
        Assert.True(show.Code == ExitCodes.Success, show.Err);
        Assert.Equal(2, JsonDocument.Parse(show.Out).RootElement.GetProperty("releases").GetInt32());

        // The spend plot: a PNG whose staircase ends at ε = 1 of the budget's 1 (the Y axis runs to 1.15), drawn in
        // the staircase's blue across the right-hand end of the plot, the last minute after the second release.
        using (var png = SKBitmap.Decode(plot))
        {
            Assert.Equal((900, 700), (png.Width, png.Height));
            var spentRow = (int)Math.Round(620 - (560 / 1.15));
            var blue = Enumerable.Range(png.Width - 120, 75).Count(x => Enumerable.Range(spentRow - 2, 5).Any(y => png.GetPixel(x, y) is var p && p.Red < 90 && p.Green is > 90 and < 150 && p.Blue > 150));
            Assert.True(blue > 30, $"{blue} staircase pixels at ε = 1");
        }

        Assert.DoesNotContain(FileModes.WiderThanOwnerOnly(_dir.Path), f => f.EndsWith("spend.png", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", data, "dp", "budget", "show", "--dataset", "queue-2026-11", "--purpose", "store-analytics", "--plot", Path.Combine(plot, "under-a-file.png"))).Code); // not writable: a usage error
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(["--data", data, "dp", "query", "--csv", csv, "--subject-column", "visitor", "--kind", "count", "--epsilon", "0.5", "--dataset", "queue-2026-11"])).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", data, "ledger", "verify")).Code);
    }

    [Fact]
    public async Task Dp_query_without_a_dataset_is_refused_and_an_uncharged_release_is_an_explicit_choice_recorded_in_the_ledger()
    {
        var data = Path.Combine(_dir.Path, "data");
        var csv = Path.Combine(_dir.Path, "queue.csv");
        await File.WriteAllTextAsync(csv, "visitor,seconds\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"v{i},{i * 3}\n")), TestContext.Current.CancellationToken);
        string[] Count(params string[] extra) => ["dp", "query", "--csv", csv, "--subject-column", "visitor", "--kind", "count", "--epsilon", "0.5", .. extra];

        // Neither a budget nor the explicit choice: refused, nothing released, and the message names both ways out.
        var silent = await Cli.RunAsync(["--data", data, .. Count()]);
        Assert.Equal(ExitCodes.Usage, silent.Code);
        Assert.Empty(silent.Out);
        Assert.Contains("--dataset", silent.Err, StringComparison.Ordinal);
        Assert.Contains("--uncharged", silent.Err, StringComparison.Ordinal);

        // The choice needs a reason, a data folder named on the command line (the default ./data would hide the record),
        // a reason that is a token rather than free text, and no budget beside it; each refusal releases nothing.
        foreach (var (args, code, says) in new (string[], int, string)[]
        {
            (["--data", data, .. Count("--uncharged")], ExitCodes.Usage, "--reason"),
            (Count("--uncharged", "--reason", "ticket:PRIV-12"), ExitCodes.Usage, "--data"),
            (["--data", data, .. Count("--uncharged", "--reason", "because the owner asked")], ExitCodes.Refused, "not free text"),
            (["--data", data, .. Count("--uncharged", "--reason", "ticket:PRIV-12", "--dataset", "queue")], ExitCodes.Usage, "exclude each other"),
            (["--data", data, .. Count("--reason", "ticket:PRIV-12", "--dataset", "queue", "--purpose", "store-analytics")], ExitCodes.Usage, "--uncharged"),
        })
        {
            var refused = await Cli.RunAsync(args);
            Assert.True(refused.Code == code, $"{string.Join(' ', args)}: {refused.Code} {refused.Err}");
            Assert.Empty(refused.Out);
            Assert.Contains(says, refused.Err, StringComparison.Ordinal);
        }

        // The explicit choice: released, reported on standard error, and recorded in the audit ledger first.
        var released = await Cli.RunAsync(["--data", data, .. Count("--uncharged", "--reason", "ticket:PRIV-12")]);
        Assert.True(released.Code == ExitCodes.Success, released.Err);
        Assert.InRange(JsonDocument.Parse(released.Out).RootElement.GetProperty("value").GetInt64(), 20, 80); // 50 ± 30: the noise has sd 2.8
        Assert.Contains("uncharged release (0.5-DP (pure), reason ticket:PRIV-12)", released.Err, StringComparison.Ordinal);

        var entries = await Cli.RunAsync("--data", data, "ledger", "entries");
        Assert.True(entries.Code == ExitCodes.Success, entries.Err);
        var releases = JsonDocument.Parse(entries.Out).RootElement.EnumerateArray()
            .Select(e => e.GetProperty("event"))
            .Where(e => e.TryGetProperty("to", out var to) && to.GetString()?.StartsWith("dp-release", StringComparison.Ordinal) == true)
            .ToArray();
        var record = Assert.Single(releases); // the refused attempts left nothing
        Assert.Equal(("uncharged:ticket:PRIV-12", "dp-release:count", "eps:1/2"), (record.GetProperty("from").GetString(), record.GetProperty("to").GetString(), record.GetProperty("reference").GetString()));
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", data, "ledger", "verify")).Code);
    }

    [Theory]
    [InlineData("rr")]
    [InlineData("olh")]
    [InlineData("oue")]
    [InlineData("sue")]
    [InlineData("rappor")]
    public async Task Ldp_simulate_decodes_within_the_predicted_error(string mechanism)
    {
        var (code, stdout, stderr) = await Cli.RunAsync("ldp", "simulate", "--mechanism", mechanism, "--domain", "32", "--epsilon", "2", "--users", "20000", "--bits", "128");
        Assert.True(code == ExitCodes.Success, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, root.GetProperty("effectiveEpsilon").GetDouble(), 6);
        // The mean absolute error of unbiased estimates is about 0.8 × the RMS error; 3× fails with negligible probability.
        Assert.True(root.GetProperty("meanAbsoluteError").GetDouble() < 3 * root.GetProperty("predictedRootMeanSquareError").GetDouble(), stdout);
    }
}
