using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Records;
using Obscura.Governance.Serialization;

namespace Obscura.Cli;

/// <summary>The <c>obscura</c> command tree. Every command is a thin shell over the domain services.</summary>
public static partial class ObscuraCli
{
    /// <summary>Runs the command line and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, null, cancellationToken);

    /// <summary>Runs the command line with <paramref name="httpHandler"/> carrying <c>--server</c> requests (for embedding and tests).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, HttpMessageHandler? httpHandler, CancellationToken cancellationToken)
    {
        var runner = new CliRunner(stdout, stderr, httpHandler);
        var root = new RootCommand("Obscura: lawful, audited processing of personal data. Commands work on a data folder (--data) or a running server (--server).")
        {
            CliOptions.Data, CliOptions.Database, CliOptions.Server, CliOptions.ApiKey, CliOptions.VerificationThreshold,
            Init(runner), ApiKeyCommands(runner), SubjectCommands(runner), PurposeCommands(runner), ConsentCommands(runner),
            Decide(runner), AssessmentCommands(runner), RecordCommands(runner), LedgerCommands(runner),
            FaceCommands(runner), EvalCommand.Create(stdout, stderr), VaultCommands(runner), RetentionCommands(runner),
            DpGroup(runner, stdout, stderr), DpCommands.Simulate(stdout, stderr), ModelCommands.Create(stdout, stderr), MinimiseCommand.Create(stdout, stderr), TrainCommand.Create(stdout, stderr), AuditCommand.Create(stdout, stderr), MigrateCommand.Create(stdout, stderr),
            ClassifierCommands.Create(stdout, stderr), StoreCommands.Create(stdout, stderr, httpHandler), AccountabilityCommands(runner),
        };
        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    private static Command Define(CliRunner runner, string name, string description, Option[] options, Func<ParseResult, Operation> operation)
    {
        var command = new Command(name, description);
        foreach (var o in options)
        {
            command.Options.Add(o);
        }

        command.SetAction(async (result, ct) =>
        {
            Operation op;
            try
            {
                op = operation(result);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An input file that cannot be read is a command-line mistake, not a crash.
                await runner.Error.WriteLineAsync(ex.Message);
                return ExitCodes.Usage;
            }
            catch (CliFailure ex)
            {
                await runner.Error.WriteLineAsync(ex.Message);
                return ex.ExitCode;
            }

            return await runner.RunAsync(
                op,
                result.GetValue(CliOptions.Data)!,
                result.GetValue(CliOptions.Database),
                result.GetValue(CliOptions.Server),
                result.GetValue(CliOptions.ApiKey) ?? Environment.GetEnvironmentVariable("OBSCURA_API_KEY"),
                ct,
                result.GetValue(CliOptions.VerificationThreshold));
        });
        return command;
    }

    private static Command Group(string name, string description, params Command[] commands)
    {
        var group = new Command(name, description);
        foreach (var c in commands)
        {
            group.Subcommands.Add(c);
        }

        return group;
    }

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Send<T>(HttpMethod method, string path, T body) =>
        new(method, path) { Content = JsonContent.Create(body, options: GovernanceJson.Options) };

    private static HttpRequestMessage SendRaw(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };

    private static string Q(object value) => Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture)!);

    private static Command Init(CliRunner runner) => Define(runner, "init", "Create the data folder, database, ledger key and a first controller API key.", [], _ => new Operation(
        async (s, ct) =>
        {
            var keyFile = await s.Folder.EnsureBootstrapKeyAsync(s.Keys, ct);
            return Reply.Of(new { dataDirectory = s.Folder.Path, database = s.Folder.Store.Location, ledgerPublicKey = s.Folder.PublicKeyPath, bootstrapKeyFile = keyFile });
        },
        null));

    private static Command ApiKeyCommands(CliRunner runner)
    {
        var name = new Option<string>("--name") { Description = "Unique key name; the ledger records the key's actions as apikey:NAME.", Required = true };
        var role = CliOptions.Role();
        var subject = CliOptions.Subject(required: false);
        var create = Define(runner, "create", "Create an API key and print it once (only its hash is stored).", [name, role, subject], r => new Operation(
            async (s, ct) =>
            {
                var outcome = await s.Keys.CreateAsync(s.Actor, r.GetValue(name)!, r.GetValue(role), CliOptions.Optional(r, subject), ct);
                return outcome.Succeeded
                    ? Reply.Of(new { name = outcome.Value.Record.Name, role = outcome.Value.Record.Role, subject = outcome.Value.Record.Subject, key = outcome.Value.Key })
                    : new Reply(null, outcome.Error);
            },
            null));
        var list = Define(runner, "list", "List API keys (names, roles, dates; never secrets).", [], _ => new Operation(
            async (s, ct) => Reply.Of((await s.Keys.ListAsync(ct)).Select(k => new { k.Name, k.Role, k.Subject, k.CreatedAt, k.RevokedAt })),
            null));
        var revokeName = new Option<string>("--name") { Description = "Name of the key to revoke.", Required = true };
        var revoke = Define(runner, "revoke", "Revoke an API key; it stops working at once.", [revokeName], r => new Operation(
            async (s, ct) => await s.Keys.RevokeAsync(s.Actor, r.GetValue(revokeName)!, ct) is { Succeeded: false } failed
                ? new Reply(null, failed.Error)
                : Reply.Of(new { revoked = r.GetValue(revokeName) }),
            null));
        return Group("apikey", "Manage API keys (data folder only).", create, list, revoke);
    }

    private static Command SubjectCommands(CliRunner runner)
    {
        var id = CliOptions.Token<Governance.Subjects.SubjectId>("--id", "Pseudonymous id to register; a random one when omitted.", Governance.Subjects.SubjectId.TryParse, required: false);
        var register = Define(runner, "register", "Register a data subject.", [id], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.RegisterSubjectAsync(s.Actor, CliOptions.Optional(r, id), ct)),
            () => Send(HttpMethod.Post, "/v1/subjects", new { id = CliOptions.Optional(r, id) })));
        var afterAlias = CliOptions.Token<Governance.Subjects.SubjectId>("--after", "List subjects after this id.", Governance.Subjects.SubjectId.TryParse, required: false);
        var limit = new Option<int>("--limit") { Description = "At most this many (1-1000).", DefaultValueFactory = _ => 100 };
        var list = Define(runner, "list", "List data subjects.", [afterAlias, limit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.ListSubjectsAsync(s.Actor, CliOptions.Optional(r, afterAlias), r.GetValue(limit), ct)),
            () => Get($"/v1/subjects?limit={r.GetValue(limit)}" + (CliOptions.Optional(r, afterAlias) is { } a ? $"&after={Q(a)}" : string.Empty))));
        return Group("subjects", "Data subjects (pseudonymous ids only).", register, list);
    }

    private static Command PurposeCommands(CliRunner runner)
    {
        var file = CliOptions.File("JSON purpose definition");
        var register = Define(runner, "register", "Register a processing purpose from a JSON definition.", [file], r => FromJsonFile<PurposeDefinition>(
            r.GetValue(file)!,
            async (s, definition, ct) => Reply.Of(await s.Governance.RegisterPurposeAsync(s.Actor, definition, ct)),
            json => SendRaw(HttpMethod.Post, "/v1/purposes", json)));
        var list = Define(runner, "list", "List purposes.", [], _ => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.ListPurposesAsync(ct)),
            () => Get("/v1/purposes")));
        var id = CliOptions.Purpose("--id", "The purpose id.");
        var show = Define(runner, "show", "Show one purpose.", [id], r => new Operation(
            async (s, ct) => await s.Governance.GetPurposeAsync(r.GetValue(id), ct) is { } p
                ? Reply.Of(p)
                : new Reply(null, new Governance.GovernanceError(Governance.GovernanceErrorKind.NotFound, $"Purpose '{r.GetValue(id)}' is not registered.")),
            () => Get($"/v1/purposes/{r.GetValue(id)}")));
        return Group("purposes", "Processing purposes and their lawful bases.", register, list, show);
    }

    private static Command ConsentCommands(CliRunner runner)
    {
        var subject = CliOptions.Subject();
        var purpose = CliOptions.Purpose();
        var notice = new Option<string>("--notice-version") { Description = "Version of the notice the subject was shown.", Required = true };
        var channel = new Option<string>("--channel") { Description = "How consent was captured, for example mobile-app.", Required = true };
        var isExplicit = new Option<bool>("--explicit") { Description = "The subject made an express statement of consent (Art. 9(2)(a))." };
        var give = Define(runner, "give", "Record that a subject gave consent for one purpose.", [subject, purpose, notice, channel, isExplicit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.GiveConsentAsync(s.Actor, new ConsentGrant(r.GetValue(subject), r.GetValue(purpose), r.GetValue(notice)!, r.GetValue(isExplicit), r.GetValue(channel)!), ct)),
            () => Send(HttpMethod.Post, $"/v1/subjects/{r.GetValue(subject)}/consents", new { purpose = r.GetValue(purpose), noticeVersion = r.GetValue(notice), @explicit = r.GetValue(isExplicit), channel = r.GetValue(channel) })));
        var withdraw = Define(runner, "withdraw", "Record withdrawal of consent; effective immediately.", [subject, purpose], r => new Operation(
            async (s, ct) => await s.ShredIfWithdrawnAsync(await s.Governance.WithdrawConsentAsync(s.Actor, r.GetValue(subject), r.GetValue(purpose), ct), ct),
            () => new HttpRequestMessage(HttpMethod.Delete, $"/v1/subjects/{r.GetValue(subject)}/consents/{r.GetValue(purpose)}")));
        var objection = Define(runner, "object", "Record an Art. 21 objection; effective immediately.", [subject, purpose], r => new Operation(
            async (s, ct) => await s.ShredIfWithdrawnAsync(await s.Governance.ObjectAsync(s.Actor, r.GetValue(subject), r.GetValue(purpose), ct), ct),
            () => Send(HttpMethod.Post, $"/v1/subjects/{r.GetValue(subject)}/objections", new { purpose = r.GetValue(purpose) })));
        var lift = Define(runner, "lift-objection", "Record that the subject lifted an objection.", [subject, purpose], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.LiftObjectionAsync(s.Actor, r.GetValue(subject), r.GetValue(purpose), ct)),
            () => new HttpRequestMessage(HttpMethod.Delete, $"/v1/subjects/{r.GetValue(subject)}/objections/{r.GetValue(purpose)}")));
        var statusSubject = CliOptions.Subject();
        var status = Define(runner, "status", "Show a subject's consent and objection state per purpose.", [statusSubject], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.GetConsentStatusAsync(s.Actor, r.GetValue(statusSubject), ct)),
            () => Get($"/v1/subjects/{r.GetValue(statusSubject)}/consents")));
        return Group("consent", "Consent and objection.", give, withdraw, objection, lift, status);
    }

    private static Command Decide(CliRunner runner)
    {
        var subject = CliOptions.Subject();
        var purpose = CliOptions.Purpose();
        var collectedFor = CliOptions.Purpose("--collected-for", "The purpose the data was collected for, when reusing it.", required: false);
        return Define(runner, "decide", "Decide whether a subject's data may be processed for a purpose now (exit 0 allowed, 2 denied).", [subject, purpose, collectedFor], r => new Operation(
            async (s, ct) =>
            {
                var decision = await s.Governance.AuthorizeAsync(r.GetValue(subject), r.GetValue(purpose), CliOptions.Optional(r, collectedFor), ct);
                return Reply.Of(decision, decision.Allowed ? ExitCodes.Success : ExitCodes.Refused);
            },
            () => Get($"/v1/decisions?subject={Q(r.GetValue(subject))}&purpose={Q(r.GetValue(purpose))}" + (CliOptions.Optional(r, collectedFor) is { } c ? $"&collectedFor={Q(c)}" : string.Empty))));
    }

    private static Command AssessmentCommands(CliRunner runner)
    {
        var file = CliOptions.File("JSON Art. 6(4) compatibility assessment");
        var record = Define(runner, "record", "Record an Art. 6(4) compatibility assessment.", [file], r => FromJsonFile<CompatibilityAssessmentDraft>(
            r.GetValue(file)!,
            async (s, draft, ct) => Reply.Of(await s.Governance.RecordAssessmentAsync(s.Actor, draft, ct)),
            json => SendRaw(HttpMethod.Post, "/v1/assessments", json)));
        var from = CliOptions.Purpose("--from", "Only assessments of reuse from this purpose.", required: false);
        var to = CliOptions.Purpose("--to", "Only assessments of reuse for this purpose.", required: false);
        var list = Define(runner, "list", "List compatibility assessments in the order recorded.", [from, to], r => new Operation(
            async (s, ct) => Reply.Of(await s.Governance.ListAssessmentsAsync(CliOptions.Optional(r, from), CliOptions.Optional(r, to), ct)),
            () => Get("/v1/assessments?" + string.Join('&', new[] { CliOptions.Optional(r, from) is { } f ? $"from={Q(f)}" : null, CliOptions.Optional(r, to) is { } t ? $"to={Q(t)}" : null }.OfType<string>()))));
        return Group("assessments", "Art. 6(4) compatibility assessments.", record, list);
    }

    private static Command RecordCommands(CliRunner runner)
    {
        var format = new Option<string>("--format") { Description = "json or markdown.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "markdown");
        var export = Define(runner, "export", "Export the Art. 30 records of processing.", [format], r => new Operation(
            async (s, ct) =>
            {
                var records = await s.Governance.GetRecordsOfProcessingAsync(ct);
                return r.GetValue(format) == "markdown" ? Reply.Raw(RecordsMarkdown.Render(records)) : Reply.Of(records);
            },
            () => Get(r.GetValue(format) == "markdown" ? "/v1/records/markdown" : "/v1/records")));
        return Group("records", "Records of processing activities (GDPR Art. 30).", export);
    }

    private static Operation FromJsonFile<T>(FileInfo file, Func<LocalServices, T, CancellationToken, Task<Reply>> local, Func<string, HttpRequestMessage> remote)
    {
        var json = file.Name == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file.FullName);
        return new Operation(
            async (s, ct) =>
            {
                T? value;
                try
                {
                    value = JsonSerializer.Deserialize<T>(json, GovernanceJson.Options);
                }
                catch (JsonException ex)
                {
                    return new Reply(null, new Governance.GovernanceError(Governance.GovernanceErrorKind.Invalid, ex.Message, ex.Path));
                }

                return value is null
                    ? new Reply(null, new Governance.GovernanceError(Governance.GovernanceErrorKind.Invalid, "The file holds JSON null.", "body"))
                    : await local(s, value, ct);
            },
            () => remote(json));
    }
}
