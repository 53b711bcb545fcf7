using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;
using Obscura.Vault;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura vault</c> and <c>obscura retention run</c>: the training-data vault in the data folder's <c>vault</c>
/// subfolder, or on a server. Ingest, read and check are local only (blobs do not travel through the CLI's JSON
/// output); the server takes blobs at <c>POST /v1/vault/objects</c>.
/// </summary>
public static partial class ObscuraCli
{
    private static readonly DataCategory FaceImage = DataCategory.Parse("face-image");

    private static Command VaultCommands(CliRunner runner)
    {
        var subject = CliOptions.Subject();
        var purpose = CliOptions.Purpose();
        var file = new Option<FileInfo>("--file") { Description = "The blob to store, for example a face image.", Required = true };
        var collectedAt = new Option<DateTimeOffset?>("--collected-at") { Description = "When it was collected (ISO 8601); default now." };
        var source = new Option<string>("--source") { Description = "Where it came from, for example branch-camera-12.", Required = true };
        var contentType = new Option<string>("--content-type") { Description = "Media type.", DefaultValueFactory = _ => "image/jpeg" };
        var category = new Option<string>("--category") { Description = "Data category slug.", DefaultValueFactory = _ => "face-image" };
        var labels = new Option<string[]>("--label") { Description = "A coarse, non-identifying label for stratification, key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var ingest = Define(runner, "ingest", "Store a blob encrypted under its subject's data key (lawful basis and live consent required).", [subject, purpose, file, collectedAt, source, contentType, category, labels], r =>
        {
            var payload = System.IO.File.ReadAllBytes(r.GetValue(file)!.FullName);
            if (!DataCategory.TryParse(r.GetValue(category), out var dataCategory))
            {
                return new Operation((_, _) => Task.FromResult(new Reply(null, new GovernanceError(GovernanceErrorKind.Invalid, "The category is a data-category slug such as face-image.", "category"))), null);
            }

            var request = new VaultIngestRequest(r.GetValue(subject), r.GetValue(purpose), payload, r.GetValue(collectedAt) ?? DateTimeOffset.UtcNow,
                r.GetValue(source)!, r.GetValue(contentType)!, dataCategory, ParseLabels(r.GetValue(labels)));
            return new Operation(async (s, ct) => Reply.Of(await (await s.VaultAsync(ct)).IngestAsync(s.Actor.Value, request, ct)), null);
        });

        var manifest = new Option<FileInfo>("--manifest") { Description = "CSV, one blob per line: subject,purpose,file,source[,label=value;…]; files relative to the manifest.", Required = true };
        var ingestBatch = Define(runner, "ingest-batch", "Store every blob a manifest lists, one after another, with progress on standard error; each blob is stored whole or not at all.", [manifest], r =>
        {
            var path = r.GetValue(manifest)!;
            var lines = System.IO.File.ReadAllLines(path.FullName).Where(l => l.Trim().Length > 0).ToArray();
            return new Operation(async (s, ct) =>
            {
                var vault = await s.VaultAsync(ct);
                var stored = 0;
                for (var i = 0; i < lines.Length; i++)
                {
                    var cells = lines[i].Split(',');
                    if (cells.Length is < 4 or > 5 || !SubjectId.TryParse(cells[0], out var lineSubject) || !PurposeId.TryParse(cells[1], out var linePurpose))
                    {
                        return new Reply(new { stored }, new GovernanceError(GovernanceErrorKind.Invalid, $"Line {i + 1}: expected subject,purpose,file,source[,labels] with a valid subject id and purpose id."));
                    }

                    var blob = await System.IO.File.ReadAllBytesAsync(Path.Combine(path.DirectoryName!, cells[2]), ct);
                    var outcome = await vault.IngestAsync(s.Actor.Value, new VaultIngestRequest(lineSubject, linePurpose, blob, DateTimeOffset.UtcNow, cells[3], "image/jpeg", FaceImage,
                        cells.Length == 5 ? ParseLabels(cells[4].Split(';', StringSplitOptions.RemoveEmptyEntries)) : null), ct);
                    if (!outcome.Succeeded)
                    {
                        return new Reply(new { stored }, outcome.Error with { Message = $"Line {i + 1}: {outcome.Error.Message}" });
                    }

                    stored++;
                    if (stored % 50 == 0 || stored == lines.Length)
                    {
                        await Console.Error.WriteLineAsync($"stored {stored}/{lines.Length}");
                    }
                }

                return Reply.Of(new { stored });
            }, null);
        });

        var id = new Option<string>("--id") { Description = "Object id.", Required = true };
        var readPurpose = CliOptions.Purpose(description: "The purpose the read serves; reuse needs a compatible Art. 6(4) assessment.");
        var output = new Option<FileInfo>("--out") { Description = "Where to write the blob (owner-only, 0600).", Required = true };
        var read = Define(runner, "read", "Decrypt a blob for a purpose (gated and recorded in the ledger).", [id, readPurpose, output], r => new Operation(async (s, ct) =>
        {
            var outcome = await (await s.VaultAsync(ct)).ReadAsync(s.Actor.Value, r.GetValue(id)!, r.GetValue(readPurpose), ct);
            if (!outcome.Succeeded)
            {
                return new Reply(null, outcome.Error);
            }

            // Personal data leaves the vault here: owner-only whatever the umask, written whole or not at all.
            OwnerOnlyFiles.WriteAtomically(r.GetValue(output)!.FullName, outcome.Value.Payload);
            return Reply.Of(outcome.Value.Metadata);
        }, null));

        var policyPurpose = CliOptions.Purpose(description: "The training purpose.");
        var fraction = new Option<double>("--fraction") { Description = "Share of eligible records, in (0, 1].", DefaultValueFactory = _ => MinimisationPolicy.DefaultFraction };
        var stratify = new Option<string?>("--stratify") { Description = "Comma-separated label keys to stratify by." };
        var max = new Option<int?>("--max") { Description = "Upper bound on selected records." };
        var justification = new Option<string>("--justification") { Description = "Why this much data is necessary.", Required = true };
        var approvedBy = new Option<string>("--approved-by") { Description = "Who approved this version.", Required = true };
        var allowedFields = new Option<string?>("--allowed-fields") { Description = "Comma-separated fields exports under this version may contain (payload, subject, collected-at, source, content-type, label:KEY); default no restriction." };
        var setPolicy = Define(runner, "set", "Record a new version of a training purpose's minimisation policy.", [policyPurpose, fraction, stratify, max, justification, approvedBy, allowedFields], r => new Operation(
            async (s, ct) => Reply.Of(await (await s.VaultAsync(ct)).SetPolicyAsync(s.Actor.Value, r.GetValue(policyPurpose), r.GetValue(fraction),
                (r.GetValue(stratify) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), r.GetValue(max), r.GetValue(justification)!, r.GetValue(approvedBy)!,
                r.GetValue(allowedFields)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), ct)),
            () => Post("/v1/vault/policies", new
            {
                purpose = r.GetValue(policyPurpose).ToString(),
                fraction = r.GetValue(fraction),
                stratifyBy = (r.GetValue(stratify) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                maxRecords = r.GetValue(max),
                justification = r.GetValue(justification),
                approvedBy = r.GetValue(approvedBy),
                allowedFields = r.GetValue(allowedFields)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            })));
        var listPurpose = CliOptions.Purpose(required: false);
        var listPolicies = Define(runner, "list", "Every policy version.", [listPurpose], r => new Operation(
            async (s, ct) => Reply.Of((await s.VaultAsync(ct)).Policies(r.GetResult(listPurpose) is null ? null : r.GetValue(listPurpose))),
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/vault/policies" + (r.GetResult(listPurpose) is null ? "" : $"?purpose={r.GetValue(listPurpose)}"))));

        var selectPurpose = CliOptions.Purpose(description: "The training purpose.");
        var version = new Option<int?>("--version") { Description = "Policy version; default the latest." };
        var select = Define(runner, "select", "Select (and record) the training subset under a policy version.", [selectPurpose, version], r => new Operation(
            async (s, ct) => Reply.Of(await (await s.VaultAsync(ct)).SelectAsync(r.GetValue(selectPurpose), r.GetValue(version), ct)),
            () => Post("/v1/vault/selections", new { purpose = r.GetValue(selectPurpose).ToString(), version = r.GetValue(version) })));

        var run = new Option<string>("--run") { Description = "Training run name (a-z, 0-9, '.', '_', '-').", Required = true };
        var exportPurpose = CliOptions.Purpose(description: "The training purpose.");
        var fields = new Option<string>("--fields") { Description = "Comma-separated fields the run needs: payload, subject, collected-at, source, content-type, label:KEY.", Required = true };
        var plainIds = new Option<bool>("--no-pseudonymise") { Description = "Keep the vault's object and subject ids instead of per-run HMAC pseudonyms." };
        var expiresDays = new Option<int>("--expires-days") { Description = "Days until the export is deleted (never later than its records' retention).", DefaultValueFactory = _ => 30 };
        var scratchHours = new Option<int>("--scratch-hours") { Description = "Hours until the run's scratch area is deleted if the run is not closed.", DefaultValueFactory = _ => 24 };
        var export = Define(runner, "export", "Export the selected subset with only the declared fields for a training run.", [run, exportPurpose, fields, plainIds, expiresDays, scratchHours], r => new Operation(
            async (s, ct) => Reply.Of(await (await s.VaultAsync(ct)).ExportAsync(
                s.Actor.Value,
                new TrainingExportRequest(r.GetValue(run)!, r.GetValue(exportPurpose), r.GetValue(fields)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    !r.GetValue(plainIds), TimeSpan.FromDays(r.GetValue(expiresDays)), TimeSpan.FromHours(r.GetValue(scratchHours))),
                new Progress<int>(n => { if (n % 100 == 0) { Console.Error.WriteLine($"exported {n} records"); } }),
                ct)),
            () => Post("/v1/vault/exports", new
            {
                run = r.GetValue(run),
                purpose = r.GetValue(exportPurpose).ToString(),
                fields = r.GetValue(fields)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                pseudonymise = !r.GetValue(plainIds),
                expiresDays = r.GetValue(expiresDays),
                scratchHours = r.GetValue(scratchHours),
            })));
        var closeRun = new Option<string>("--run") { Description = "Training run name.", Required = true };
        var close = Define(runner, "close-run", "Close a training run: its scratch area is overwritten and deleted.", [closeRun], r => new Operation(
            async (s, ct) => Reply.Of(await (await s.VaultAsync(ct)).CloseRunAsync(s.Actor.Value, r.GetValue(closeRun)!, ct)),
            () => new HttpRequestMessage(HttpMethod.Post, $"/v1/vault/exports/{Uri.EscapeDataString(r.GetValue(closeRun)!)}/close")));

        var shredSubject = CliOptions.Subject();
        var reason = new Option<string>("--reason") { Description = "withdrawal or erasure (Art. 17).", Required = true };
        var shred = Define(runner, "shred", "Crypto-shred a subject: destroy their data key, delete their blobs and remove them from exports.", [shredSubject, reason], r => new Operation(
            async (s, ct) =>
            {
                var outcome = await (await s.VaultAsync(ct)).ShredSubjectAsync(s.Actor.Value, r.GetValue(shredSubject), r.GetValue(reason)!, ct);
                return outcome.Succeeded ? Reply.Of(new { subject = r.GetValue(shredSubject), objectsDeleted = outcome.Value }) : new Reply(null, outcome.Error);
            },
            () => Post($"/v1/vault/subjects/{r.GetValue(shredSubject)}/shred", new { reason = r.GetValue(reason) })));
        var report = Define(runner, "report", "The DPO report: what is stored per purpose, training use against eligibility, exports and deletions.", [], _ => new Operation(
            async (s, ct) => Reply.Of((await s.VaultAsync(ct)).Report()),
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/vault/report")));
        var check = Define(runner, "check", "Recover what crashed processes left, then check that every stored blob decrypts and matches the catalogue (exit 2 when not); ingests running in other processes are left alone.", [], _ => new Operation(
            async (s, ct) =>
            {
                var result = await (await s.VaultAsync(ct)).CheckAsync(ct);
                return Reply.Of(result, result.Consistent ? ExitCodes.Success : ExitCodes.Refused);
            },
            null));
        return Group("vault", "The training-data vault: encrypted blobs, minimised subsets, exports, crypto-shredding.",
            ingest, ingestBatch, read, Group("policy", "Minimisation policies.", setPolicy, listPolicies), select, export, close, shred, report, check);
    }

    private static Command RetentionCommands(CliRunner runner)
    {
        var runNow = Define(runner, "run", "Delete expired and withdrawn vault data, expired exports and overdue scratch areas, and withdrawn subjects' biometric enrolments and leftovers, now.", [], _ => new Operation(
            async (s, ct) =>
            {
                var report = JsonSerializer.SerializeToNode(await (await s.VaultAsync(ct)).RunRetentionAsync(s.Actor.Value, ct), GovernanceJson.Options)!.AsObject();
                report["biometrics"] = JsonSerializer.SerializeToNode(s.BiometricsInUse ? await s.Verification.Value.RunRetentionAsync(s.Actor.Value, ct) : null, GovernanceJson.Options);
                return Reply.Of(report);
            },
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/retention/run")));
        return Group("retention", "Retention of vault data and biometric enrolments.", runNow);
    }

    private static HttpRequestMessage Post(string path, object body) =>
        new(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: GovernanceJson.Options) };

    private static Dictionary<string, string>? ParseLabels(string[]? pairs)
    {
        if (pairs is null || pairs.Length == 0)
        {
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"A label is key=value: '{pair}'."));
            }

            labels[pair[..at]] = pair[(at + 1)..];
        }

        return labels;
    }
}
