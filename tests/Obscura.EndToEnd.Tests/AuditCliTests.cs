using System.Text.Json;
using Obscura.Cli;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura audit model</c> on the committed Fashion-MNIST cut, small configuration.</summary>
public sealed class AuditCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Images => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    [Fact]
    public async Task An_overfit_recipe_is_reported_as_leaking_with_its_roc_curves_and_the_audit_is_in_the_ledger()
    {
        var data = Path.Combine(_dir.Path, "data");
        var curves = Path.Combine(_dir.Path, "roc");

        var (code, stdout, stderr) = await Cli.RunAsync(
            "--data", data, "audit", "model", "--data-dir", Images, "--pool", "400", "--shadows", "6", "--hidden", "32", "--epochs", "40", "--out", curves, "--purpose", "model-training");

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("shadow 6 trained", stderr, StringComparison.Ordinal);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["lira-online", "lira-offline", "loss-baseline"], report.GetProperty("attacks").EnumerateArray().Select(a => a.GetProperty("attack").GetString()));
        Assert.True(report.GetProperty("attacks")[0].GetProperty("auc").GetDouble() > 0.6);
        Assert.Contains("leaks", report.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, report.GetProperty("recipe").GetProperty("privacy").ValueKind);
        Assert.True(File.ReadAllLines(Path.Combine(curves, "roc-lira-online.csv")).Length > 100);

        // roc.png: the three attacks on log-log axes, each in its own colour inside the data area (100..860 × 60..620).
        using (var roc = SKBitmap.Decode(Path.Combine(curves, "roc.png")))
        {
            Assert.Equal((900, 700), (roc.Width, roc.Height));
            foreach (var colour in new[] { new SKColor(0x1F, 0x77, 0xB4), new SKColor(0xFF, 0x7F, 0x0E), new SKColor(0x2C, 0xA0, 0x2C) })
            {
                var pixels = 0;
                for (var y = 60; y < 620; y++)
                {
                    for (var x = 100; x < 860; x++)
                    {
                        var p = roc.GetPixel(x, y);
                        pixels += Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) < 40 ? 1 : 0;
                    }
                }

                Assert.True(pixels > 300, $"attack in {colour} missing from roc.png ({pixels} pixels)");
            }
        }

        Assert.Empty(FileModes.WiderThanOwnerOnly(curves));

        var entries = JsonDocument.Parse((await Cli.RunAsync("--data", data, "ledger", "entries")).Out).RootElement;
        Assert.Equal("audit:membership-inference", Assert.Single(entries.EnumerateArray()).GetProperty("event").GetProperty("to").GetString());

        var dp = await Cli.RunAsync("audit", "model", "--data-dir", Images, "--pool", "400", "--shadows", "4", "--hidden", "0", "--epochs", "2", "--batch", "50", "--noise-multiplier", "2");
        Assert.True(dp.Code == ExitCodes.Success, dp.Err);
        // The ε stated is the one training would be charged: the tighter accountant's, named, with both figures.
        var dpReport = JsonDocument.Parse(dp.Out).RootElement;
        var privacy = dpReport.GetProperty("recipe").GetProperty("privacy");
        var (rdp, pld) = (privacy.GetProperty("epsilonRdp").GetDouble(), privacy.GetProperty("epsilonPld").GetDouble());
        Assert.Equal("pld", privacy.GetProperty("accountant").GetString());
        Assert.True(pld < rdp, $"PLD {pld}, RDP {rdp}");
        Assert.Equal(pld, privacy.GetProperty("epsilon").GetDouble());
        Assert.Equal(1e-5, privacy.GetProperty("delta").GetDouble());
        var stated = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"charged ε = {pld:F2} at δ = 10⁻⁵ by the PLD accountant (RDP gives {rdp:F2}, PLD {pld:F2})");
        Assert.Contains(stated, dpReport.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        Assert.Contains(stated, dp.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("audit", "model", "--data-dir", Images, "--shadows", "1")).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("audit", "model", "--data-dir", _dir.Path)).Code);
    }

    [Fact]
    public async Task Attribute_inference_on_german_credit_is_reported_against_guessing()
    {
        var credit = Path.Combine(AppContext.BaseDirectory, "data", "tabular", "credit-g.arff");
        var (code, stdout, stderr) = await Cli.RunAsync("audit", "attribute", "--data-file", credit, "--target", "class", "--sensitive", "foreign_worker");

        Assert.True(code == ExitCodes.Success, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["yes", "no"], report.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.InRange(report.GetProperty("baselineAccuracy").GetDouble(), 0.9, 1);
        Assert.Contains("foreign_worker", report.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("audit", "attribute", "--data-file", credit, "--target", "class", "--sensitive", "age")).Code);
    }
}
