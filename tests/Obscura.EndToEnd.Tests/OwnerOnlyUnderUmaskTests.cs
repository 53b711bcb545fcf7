using System.Diagnostics;
using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// Every file and folder the command line writes, under the data folder and where it is told to write (<c>--out</c>),
/// is owner-only even when the process runs with <c>umask 000</c>: the modes come from the writer, not from the umask.
/// </summary>
public sealed class OwnerOnlyUnderUmaskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(7);

    private string Data => Path.Combine(_dir.Path, "data");

    private string Outputs => Path.Combine(_dir.Path, "out");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_file_the_cli_writes_is_owner_only_under_a_permissive_umask()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes.");
        Directory.CreateDirectory(Outputs);
        FileModes.Set(Outputs, FileModes.Folder); // the test's own folder; what the CLI writes into it is under test

        // Governance: purposes, an assessment, subjects, consent.
        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining, SamplePurposes.StoreAnalytics })
        {
            await OkAsync("purposes", "register", "--file", Input(purpose.Id + ".json", JsonSerializer.Serialize(purpose, GovernanceJson.Indented)));
        }

        await OkAsync("assessments", "record", "--file", Input("assessment.json", JsonSerializer.Serialize(SamplePurposes.TrainingReuseAssessment, GovernanceJson.Indented)));
        foreach (var subject in new[] { "s0", "s1" })
        {
            await OkAsync("subjects", "register", "--id", subject);
            await OkAsync("consent", "give", "--subject", subject, "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit");
        }

        // The vault: ingest, read to a file, policy, export, close, erasure, retention, check.
        var image = Input("face.jpg", new string('x', 3000));
        var ids = new List<string>();
        foreach (var subject in new[] { "s0", "s1" })
        {
            var ingest = await OkAsync("vault", "ingest", "--subject", subject, "--purpose", "identity-verification", "--file", image, "--source", "branch-1", "--label", "site=oslo");
            ids.Add(JsonDocument.Parse(ingest).RootElement.GetProperty("id").GetString()!);
        }

        await OkAsync("vault", "read", "--id", ids[0], "--purpose", "identity-verification", "--out", Path.Combine(Outputs, "read.jpg"));
        await OkAsync("vault", "policy", "set", "--purpose", "model-training", "--fraction", "1", "--justification", "Every record for the permissions test.", "--approved-by", "dpo");
        await OkAsync("vault", "export", "--run", "modes-1", "--purpose", "model-training", "--fields", "payload,label:site");
        await OkAsync("vault", "shred", "--subject", "s1", "--reason", "erasure");
        await OkAsync("vault", "close-run", "--run", "modes-1");
        await OkAsync("retention", "run");
        await OkAsync("vault", "check");

        // Differential privacy charged to a dataset's budget.
        var csv = Input("queue.csv", "visitor,seconds\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"v{i},{i * 3}\n")));
        await OkAsync("dp", "budget", "set", "--dataset", "queue-1", "--purpose", "store-analytics", "--epsilon", "1");
        await OkAsync("dp", "query", "--csv", csv, "--subject-column", "visitor", "--kind", "count", "--epsilon", "0.5", "--dataset", "queue-1", "--purpose", "store-analytics");

        // Protected face verification: onboard, verify, revoke.
        var identity = Vector(1.0);
        await OkAsync("faces", "init");
        await OkAsync("faces", "onboard", "--subject", "s0", "--embedding", Input("onboard.json", JsonSerializer.Serialize(Noisy(identity))));
        await OkAsync("faces", "verify", "--subject", "s0", "--embedding", Input("verify.json", JsonSerializer.Serialize(Noisy(identity))));
        await OkAsync("faces", "revoke", "--subject", "s0");

        // The ledger: a saved head, then a verification against it.
        await OkAsync("ledger", "head", "--out", Path.Combine(Outputs, "head.json"));
        await OkAsync("ledger", "verify", "--against-head", Path.Combine(Outputs, "head.json"));

        Assert.True(Directory.Exists(Path.Combine(Data, "vault", "exports")), "the export folder was written");
        Assert.Empty(FileModes.WiderThanOwnerOnly(Data));
        Assert.Equal(["head.json", "read.jpg"], Directory.GetFiles(Outputs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(FileModes.WiderThanOwnerOnly(Outputs));
    }

    /// <summary>Runs the built CLI as a process under <c>umask 000</c> and returns its output; fails on a non-zero exit.</summary>
    private static async Task<string> RunAsync(string[] args, int expected)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-c", "umask 000 && exec dotnet \"$@\"", "sh", Built.CliDll, .. args])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(p.ExitCode == expected, $"{string.Join(' ', args)}: exit {p.ExitCode}\n{await stderr}");
        return await stdout;
    }

    private Task<string> OkAsync(params string[] args) => RunAsync(["--data", Data, .. args], ExitCodes.Success);

    private string Input(string name, string content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    private float[] Noisy(float[] identity) => [.. identity.Zip(Vector(0.5), (a, b) => a + b)];

    private float[] Vector(double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()) * norm / Math.Sqrt(128)))];
}
