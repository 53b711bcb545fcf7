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
    public async Task A_trained_model_exported_as_onnx_is_audited_with_its_split_and_registered_pinned_to_its_hash()
    {
        var data = Path.Combine(_dir.Path, "data");
        var obm = Path.Combine(_dir.Path, "m.obm");
        var onnx = Path.Combine(_dir.Path, "m.onnx");
        var split = Path.Combine(_dir.Path, "members.txt");
        var train = await Cli.RunAsync("train", "--data-dir", Images, "--hidden", "0", "--epochs", "30", "--batch", "16", "--learning-rate", "0.5", "--non-private", "--seed", "1", "--train-limit", "100", "--out", obm);
        Assert.True(train.Code == ExitCodes.Success, train.Err);
        var exported = await Cli.RunAsync("classifier", "export-onnx", "--file", obm, "--out", onnx);
        Assert.True(exported.Code == ExitCodes.Success, exported.Err);
        var sha = JsonDocument.Parse(exported.Out).RootElement.GetProperty("sha256").GetString()!;
        Assert.Equal(Obscura.ModelPrivacy.Onnx.OnnxClassifier.Sha256Of(File.ReadAllBytes(onnx)), sha);
        File.WriteAllLines(split, Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))); // trained on the first 100 images

        string[] audit = ["--data", data, "audit", "model", "--data-dir", Images, "--pool", "200", "--shadows", "4", "--hidden", "0", "--epochs", "30", "--batch", "16", "--learning-rate", "0.5", "--onnx", onnx];
        var (code, stdout, stderr) = await Cli.RunAsync([.. audit, "--sha256", sha, "--members", split, "--purpose", "model-training"]);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("target scored", stderr, StringComparison.Ordinal);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(sha, report.GetProperty("target").GetProperty("sha256").GetString());
        Assert.Equal(100, report.GetProperty("target").GetProperty("trainingRecords").GetInt32());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("recipe").GetProperty("privacy").ValueKind);
        Assert.Equal(1, report.GetProperty("targetTrainAccuracy").GetDouble(), 1); // 100 images, 30 epochs: it fits them
        Assert.True(report.GetProperty("attacks")[0].GetProperty("auc").GetDouble() > 0.6);

        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync([.. audit, "--sha256", new string('0', 64), "--members", split])).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync([.. audit, "--sha256", sha])).Code);

        var registered = await Cli.RunAsync("--data", data, "classifier", "register-onnx", "--file", onnx, "--id", "fashion-onnx", "--sha256", sha, "--inputs", "784", "--labels", "t-shirt,trouser,pullover,dress,coat,sandal,shirt,sneaker,bag,ankle-boot");
        Assert.True(registered.Code == ExitCodes.Success, registered.Err);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", data, "classifier", "register-onnx", "--file", onnx, "--id", "other", "--sha256", new string('0', 64), "--inputs", "784", "--labels", "a,b,c,d,e,f,g,h,i,j")).Code);
        var list = JsonDocument.Parse((await Cli.RunAsync("--data", data, "classifier", "list")).Out).RootElement;
        Assert.Equal(10, Assert.Single(list.EnumerateArray()).GetProperty("onnx").GetProperty("labels").GetArrayLength());

        var entries = JsonDocument.Parse((await Cli.RunAsync("--data", data, "ledger", "entries")).Out).RootElement.EnumerateArray().Select(e => e.GetProperty("event")).ToList();
        Assert.Contains(entries, e => e.GetProperty("to").GetString() == "audit:membership-inference");
        Assert.Contains(entries, e => e.GetProperty("to").GetString() == "classifier:fashion-onnx" && e.GetProperty("reference").GetString() == "onnx:sha256:" + sha[..32]);
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
