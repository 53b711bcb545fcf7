using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Security.Files;

namespace Obscura.Cli;

/// <summary><c>obscura ledger</c>: heads (saved for later), verification (against a saved head), entries, the access log and proofs.</summary>
public static partial class ObscuraCli
{
    private static Command LedgerCommands(CliRunner runner)
    {
        var outFile = new Option<FileInfo?>("--out") { Description = "Also write the head as JSON to this file (owner-only), to check the ledger against later with 'ledger verify --against-head'. Keep it outside the data folder." };
        var head = Define(runner, "head", "Show the latest signed tree head; with --out, save it.", [outFile], r => new Operation(
            async (s, ct) => await s.Ledger.GetLatestHeadAsync(ct) is { } h ? Saved(h, r.GetValue(outFile)) : new Reply(null, new GovernanceError(GovernanceErrorKind.NotFound, "The ledger is empty.")),
            () => Get("/v1/ledger/head"),
            async (client, ct) => Saved(await RemoteJsonAsync<SignedTreeHead>(client, "/v1/ledger/head", ct), r.GetValue(outFile))));

        var publicKey = new Option<FileInfo?>("--public-key") { Description = "PEM public key heads must be signed with (default: the data folder's own key, or through --server the server's key if it is the one that signed the --against-head head). Keep a copy outside the data folder." };
        var againstHead = new Option<FileInfo?>("--against-head") { Description = "A head saved earlier (ledger head --out) or held by a witness: the ledger must still extend it (exit 3 if it was cut back or rewritten)." };
        var verify = Define(runner, "verify", "Recompute the ledger from its entries and check every committed record against it; detect modified, removed, reordered or inserted entries and records (exit 3 if any).", [publicKey, againstHead], r => new Operation(
            async (s, ct) =>
            {
                using var trusted = r.GetValue(publicKey) is { } file ? LedgerVerificationKey.FromPem(await File.ReadAllTextAsync(file.FullName, ct)) : null;
                var witnessed = r.GetValue(againstHead) is { } saved ? await ReadHeadAsync(saved, ct) : null;
                var progress = new ProgressToWriter(runner.Error, 100_000);
                var report = await s.Ledger.VerifyAsync(trusted, witnessed, progress, ct);
                return Reply.Of(report, report.Intact ? ExitCodes.Success : ExitCodes.LedgerNotIntact);
            },
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/ledger/verify"),
            r.GetValue(againstHead) is { } headFile ? (client, ct) => VerifyRemotelyAgainstAsync(client, headFile, r.GetValue(publicKey), ct) : null));

        var from = new Option<long>("--from") { Description = "First sequence number.", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "At most this many (1-1000).", DefaultValueFactory = _ => 100 };
        var entries = Define(runner, "entries", "List ledger entries.", [from, limit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Ledger.GetEntriesAsync(r.GetValue(from), r.GetValue(limit), ct)),
            () => Get($"/v1/ledger/entries?from={r.GetValue(from)}&limit={r.GetValue(limit)}")));
        var subject = CliOptions.Subject();
        var subjectEntries = Define(runner, "subject", "List the ledger entries about one subject (this read is itself recorded in the access log).", [subject, from, limit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Ledger.GetSubjectEntriesAsync(s.Actor, r.GetValue(subject), r.GetValue(from), r.GetValue(limit), ct)),
            () => Get($"/v1/ledger/subjects/{r.GetValue(subject)}/entries?from={r.GetValue(from)}&limit={r.GetValue(limit)}")));
        var accessSubject = CliOptions.Subject();
        var accesses = Define(runner, "accesses", "List the recorded reads of one subject's data (this read is itself recorded).", [accessSubject, from, limit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Ledger.GetSubjectAccessesAsync(s.Actor, r.GetValue(accessSubject), r.GetValue(from), r.GetValue(limit), ct)),
            () => Get($"/v1/ledger/subjects/{r.GetValue(accessSubject)}/accesses?from={r.GetValue(from)}&limit={r.GetValue(limit)}")));
        var flush = Define(runner, "flush", "Commit the access log's pending rows to the ledger now (data folder only; the server does this on its own).", [], _ => new Operation(
            async (s, ct) => Reply.Of(new { committedBy = await s.Ledger.FlushAccessLogAsync(ct) }),
            null));
        var leaf = new Option<long>("--leaf-index") { Description = "Sequence number of the entry.", Required = true };
        var treeSize = new Option<long?>("--tree-size") { Description = "Tree size to prove against (default: current)." };
        var inclusion = Define(runner, "prove-inclusion", "Print an RFC 9162 inclusion proof for one entry.", [leaf, treeSize], r => new Operation(
            async (s, ct) => Reply.Of(await s.Ledger.GetInclusionProofAsync(r.GetValue(leaf), r.GetValue(treeSize), ct)),
            () => Get($"/v1/ledger/proofs/inclusion?leafIndex={r.GetValue(leaf)}" + (r.GetValue(treeSize) is { } n ? $"&treeSize={n}" : string.Empty))));
        var first = new Option<long>("--first") { Description = "Older tree size.", Required = true };
        var second = new Option<long?>("--second") { Description = "Newer tree size (default: current)." };
        var consistency = Define(runner, "prove-consistency", "Print an RFC 9162 consistency proof between two tree sizes.", [first, second], r => new Operation(
            async (s, ct) => Reply.Of(await s.Ledger.GetConsistencyProofAsync(r.GetValue(first), r.GetValue(second), ct)),
            () => Get($"/v1/ledger/proofs/consistency?firstSize={r.GetValue(first)}" + (r.GetValue(second) is { } n ? $"&secondSize={n}" : string.Empty))));
        var pem = Define(runner, "public-key", "Print the ledger's public key (PEM).", [], _ => new Operation(
            (s, _) => Task.FromResult(Reply.Raw(s.Ledger.VerificationKey.ExportPem())),
            () => Get("/v1/ledger/public-key")));
        return Group("ledger", "The tamper-evident audit ledger.", head, verify, entries, subjectEntries, accesses, flush, inclusion, consistency, pem);
    }

    /// <summary>The head as the reply, written to <paramref name="file"/> first when one is given.</summary>
    private static Reply Saved(SignedTreeHead head, FileInfo? file)
    {
        if (file is not null)
        {
            OwnerOnlyFiles.WriteAtomically(file.FullName, JsonSerializer.Serialize(head, GovernanceJson.Indented));
        }

        return Reply.Of(head);
    }

    private static async Task<SignedTreeHead> ReadHeadAsync(FileInfo file, CancellationToken ct)
    {
        try
        {
            return JsonSerializer.Deserialize<SignedTreeHead>(await File.ReadAllTextAsync(file.FullName, ct), GovernanceJson.Options)
                ?? throw new InvalidDataException($"'{file.Name}' holds JSON null, not a signed tree head.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{file.Name}' is not a signed tree head saved by 'obscura ledger head --out': {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read the saved head: {ex.Message}");
        }
    }

    /// <summary>
    /// Through a server, the client checks the server's answers itself: the current head and a consistency proof
    /// from the saved head's size, both verified against a key the server cannot swap (the --public-key file, or the
    /// server's key only if it is the one that signed the saved head).
    /// </summary>
    private static async Task<Reply> VerifyRemotelyAgainstAsync(HttpClient client, FileInfo headFile, FileInfo? publicKeyFile, CancellationToken ct)
    {
        var witnessed = await ReadHeadAsync(headFile, ct);
        var pem = publicKeyFile is null ? await RemoteTextAsync(client, "/v1/ledger/public-key", ct) : await File.ReadAllTextAsync(publicKeyFile.FullName, ct);
        using var key = LedgerVerificationKey.FromPem(pem);
        var current = await RemoteJsonAsync<SignedTreeHead>(client, "/v1/ledger/head", ct);
        var proof = current.TreeSize >= witnessed.TreeSize
            ? await RemoteJsonAsync<ConsistencyProof>(client, string.Create(CultureInfo.InvariantCulture, $"/v1/ledger/proofs/consistency?firstSize={witnessed.TreeSize}&secondSize={current.TreeSize}"), ct)
            : null;
        var problems = AuditLedger.CheckWitnessedHead(witnessed, current, proof, key);
        return Reply.Of(new { intact = problems.Count == 0, witnessedHead = witnessed, latestHead = current, problems }, problems.Count == 0 ? ExitCodes.Success : ExitCodes.LedgerNotIntact);
    }

    private static async Task<T> RemoteJsonAsync<T>(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        await RemoteFailure.ThrowIfFailedAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<T>(GovernanceJson.Options, ct) ?? throw new InvalidDataException($"{path} answered JSON null.");
    }

    private static async Task<string> RemoteTextAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        await RemoteFailure.ThrowIfFailedAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Writes progress lines to standard error as work advances.</summary>
    private sealed class ProgressToWriter(TextWriter writer, long every) : IProgress<long>
    {
        private long _reported;

        public void Report(long value)
        {
            if (value / every > _reported / every)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verified {value:N0} entries"));
            }

            _reported = value;
        }
    }
}
