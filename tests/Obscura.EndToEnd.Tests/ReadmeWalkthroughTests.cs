using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Obscura.Governance.Assessments;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// A newcomer's first hour: the README's walkthrough block runs verbatim (bash, <c>set -euo pipefail</c>) against the
/// built command line, from a fresh folder that holds only what the walkthrough names from the repository; the example
/// files are the sample definitions the rest of the suite uses; the bootstrap key's log line says how to revoke it, and
/// that command works.
/// </summary>
public sealed partial class ReadmeWalkthroughTests : IDisposable
{
    private const string Marker = "<!-- walkthrough: executed verbatim by tests/Obscura.EndToEnd.Tests/ReadmeWalkthroughTests.cs -->";
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_readme_walkthrough_runs_verbatim_from_purpose_to_ledger_check()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The walkthrough is a POSIX shell block.");
        var script = Walkthrough();
        Assert.Contains("obscura --data ./demo init", script, StringComparison.Ordinal);
        var work = Path.Combine(_dir.Path, "work");
        Directory.CreateDirectory(work);
        // Only the repository files the walkthrough names, at the same relative paths.
        foreach (var relative in RepositoryPaths().Matches(script).Select(m => m.Value).Distinct(StringComparer.Ordinal))
        {
            var source = Path.Combine(Built.RepoRoot, relative);
            Assert.True(File.Exists(source), $"The walkthrough names {relative}, which is not in the repository.");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(work, relative))!);
            File.Copy(source, Path.Combine(work, relative));
        }

        // `obscura` on PATH, as `dotnet publish … -o out/obscura` and the PATH line in the README would make it.
        var bin = Path.Combine(_dir.Path, "bin");
        Directory.CreateDirectory(bin);
        var shim = Path.Combine(bin, "obscura");
        await File.WriteAllTextAsync(shim, $"#!/bin/sh\nexec dotnet '{Built.CliDll}' \"$@\"\n", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var (code, output) = await BashAsync(script, work, bin);

        Assert.True(code == 0, output);
        Assert.Contains("\"match\": true", output, StringComparison.Ordinal);
        Assert.Contains("stranger: no match (exit 2)", output, StringComparison.Ordinal);
        Assert.Contains("\"records\": 1", output, StringComparison.Ordinal);
        Assert.Contains("charged to visits-2026-12: ε spent 0.5 of 1", output, StringComparison.Ordinal);
        Assert.Contains("after withdrawal: refused (exit 2)", output, StringComparison.Ordinal);
        Assert.Contains("\"intact\": true", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_files_are_the_sample_definitions_and_the_embeddings_decide_as_the_walkthrough_says()
    {
        var examples = Path.Combine(Built.RepoRoot, "docs", "examples");
        T Read<T>(string name) => JsonSerializer.Deserialize<T>(File.ReadAllText(Path.Combine(examples, name)), GovernanceJson.Indented)!;

        Assert.Equal(Json(SamplePurposes.IdentityVerification), Json(Read<PurposeDefinition>("identity-verification.purpose.json")));
        Assert.Equal(Json(SamplePurposes.ModelTraining), Json(Read<PurposeDefinition>("model-training.purpose.json")));
        Assert.Equal(Json(SamplePurposes.StoreAnalytics), Json(Read<PurposeDefinition>("store-analytics.purpose.json")));
        Assert.Equal(Json(SamplePurposes.TrainingReuseAssessment), Json(Read<CompatibilityAssessmentDraft>("training-reuse.assessment.json")));

        var enrol = Read<double[]>("enrol.embedding.json");
        double Cosine(double[] other) => enrol.Zip(other, (a, b) => a * b).Sum() / Math.Sqrt(enrol.Sum(a => a * a) * other.Sum(b => b * b));
        Assert.Equal(128, enrol.Length);
        Assert.InRange(Cosine(Read<double[]>("selfie.embedding.json")), 0.9, 1.0); // a match at the default threshold 0.5
        Assert.InRange(Cosine(Read<double[]>("stranger.embedding.json")), -0.3, 0.3); // no match
    }

    [Fact]
    public async Task The_bootstrap_keys_log_line_says_how_to_revoke_it_and_that_command_works()
    {
        var data = Path.Combine(_dir.Path, "data");
        await using var server = await RunningServer.StartAsync(data);
        var key = (await File.ReadAllTextAsync(Path.Combine(data, DataFolder.BootstrapKeyFileName), Ct)).Trim();
        using var client = new HttpClient { BaseAddress = server.Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/subjects", Ct)).StatusCode);

        var revoke = RevokeCommand().Match(server.Output);
        Assert.True(revoke.Success, server.Output);
        var args = revoke.Groups[1].Value.Replace("<folder>", data, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var create = await Built.RunCliAsync("--data", data, "apikey", "create", "--name", "ops-1", "--role", "controller");
        Assert.True(create.Code == 0, create.Err);
        var revoked = await Built.RunCliAsync(args);
        Assert.True(revoked.Code == 0, revoked.Err);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/subjects", Ct)).StatusCode);
    }

    /// <summary>The shell block that follows the marker in README.md.</summary>
    internal static string Walkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(Built.RepoRoot, "README.md"));
        var at = readme.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(at >= 0, "README.md has no walkthrough marker.");
        var open = readme.IndexOf("```sh\n", at, StringComparison.Ordinal) + "```sh\n".Length;
        var close = readme.IndexOf("```", open, StringComparison.Ordinal);
        return readme[open..close];
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, GovernanceJson.Indented);

    private static async Task<(int Code, string Output)> BashAsync(string script, string workingDirectory, string bin)
    {
        var info = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("-euo");
        info.ArgumentList.Add("pipefail");
        info.ArgumentList.Add("-s");
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"(?:docs/examples|tests/Obscura\.TestSupport/data)/[A-Za-z0-9._/-]+")]
    private static partial Regex RepositoryPaths();

    [GeneratedRegex(@"revoke this one with '(?:obscura )?([^']+)'")]
    private static partial Regex RevokeCommand();
}
