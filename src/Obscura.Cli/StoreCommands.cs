using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Governance.Accountability;
using Obscura.Privacy;
using Obscura.Security.Files;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Edge.Sources;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Notice;
using Obscura.StoreAnalytics.Outbox;
using Obscura.StoreAnalytics.Reporting;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura store …</c>: in-store visitor analytics (docs/store-analytics.md). <c>edge init</c> provisions an edge
/// folder (key ratchet, signing key, outbox); <c>edge run</c> runs the edge host on a spool folder or an MJPEG camera
/// and stores signed batches in the outbox; <c>ingest</c> verifies and imports an outbox's batches into the
/// processor's inbox; <c>report</c> publishes the aggregates with small-cell suppression (and, charged to a privacy
/// budget, noised visit counts) and <c>notice</c> writes the layered notice, each only for a purpose whose governance
/// records are complete (<see cref="PublicationGate"/>). The edge commands need no data folder.
/// </summary>
internal static class StoreCommands
{
    /// <summary>The signing key's file in the edge folder (PKCS#8 PEM, owner-only).</summary>
    public const string SigningKeyFile = "edge-signing.pem";

    /// <summary>The public half, for the processor (SubjectPublicKeyInfo PEM).</summary>
    public const string PublicKeyFile = "edge-signing.pub.pem";

    /// <summary>The outbox database in the edge folder.</summary>
    public const string OutboxFile = "outbox.db";

    /// <summary>The <c>store</c> command; <paramref name="httpHandler"/>, when given, carries <c>store push</c>'s requests (for embedding and tests).</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, HttpMessageHandler? httpHandler = null)
    {
        var edge = new Command("edge", "The in-store edge: provision its folder, run it on frames.") { EdgeInit(stdout, stderr), EdgeRun(stdout, stderr), EdgeRegister(stdout, stderr) };
        return new Command("store", "In-store visitor analytics: edge group IDs, signed batches, aggregates only, layered notice.")
        {
            edge, Ingest(stdout, stderr), Push(stdout, stderr, httpHandler), Report(stdout, stderr), Notice(stdout, stderr),
        };
    }

    private static Option<FileInfo> ConfigOption() => new("--config") { Description = "The edge configuration (JSON: store, zones, cameras, masks, time zone, bands, group-ID parameters).", Required = true };

    private static Option<DirectoryInfo> EdgeFolderOption() => new("--edge") { Description = "The edge folder: key ratchet, signing key and outbox (owner-only).", Required = true };

    private static Command EdgeInit(TextWriter stdout, TextWriter stderr)
    {
        var config = ConfigOption();
        var folder = EdgeFolderOption();
        var firstDay = new Option<string?>("--first-day") { Description = "The ratchet's first day, yyyy-MM-dd (default: today in the store's time)." };
        var command = new Command("init", "Provision an edge folder: a fresh key ratchet (forward-secret daily group-ID keys), an ECDSA P-256 signing key, and the public key file for the processor.") { config, folder, firstDay };
        command.SetAction((r, _) => Guard(stderr, () =>
        {
            var configuration = EdgeConfiguration.Load(r.GetValue(config)!.FullName);
            var path = r.GetValue(folder)!.FullName;
            var day = r.GetValue(firstDay) is { } d
                ? DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : throw new FormatException("--first-day is a date yyyy-MM-dd.")
                : configuration.DateOf(DateTimeOffset.UtcNow);
            if (File.Exists(Path.Combine(path, SigningKeyFile)))
            {
                throw new CliFailure(ExitCodes.Refused, $"{path} already holds an edge signing key: it is provisioned.");
            }

            using var ratchet = DailyKeyRatchet.Create(path, configuration.Store, day);
            using var key = EdgeSigningKey.Generate();
            OwnerOnlyFiles.WriteAtomically(Path.Combine(path, SigningKeyFile), key.ExportPrivateKeyPem());
            OwnerOnlyFiles.WriteAtomically(Path.Combine(path, PublicKeyFile), PemEncoding.WriteString("PUBLIC KEY", key.PublicKey));
            stdout.WriteLine(JsonSerializer.Serialize(new { store = configuration.Store, edge = path, keyDay = ratchet.Day, publicKeyFile = Path.Combine(path, PublicKeyFile) }, CliJson.Indented));
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static Command EdgeRun(TextWriter stdout, TextWriter stderr)
    {
        var config = ConfigOption();
        var folder = EdgeFolderOption();
        var frames = new Option<DirectoryInfo?>("--frames") { Description = "Spool folder of frame files {camera}_{yyyyMMddTHHmmssfff}Z.jpg (or {yyyyMMddTHHmmssfff}Z.jpg with --camera); each file is deleted once read." };
        var mjpeg = new Option<string?>("--mjpeg") { Description = "An MJPEG-over-HTTP camera (multipart/x-mixed-replace); needs --camera. Frames are stamped with this machine's clock." };
        var camera = new Option<string?>("--camera") { Description = "The camera id of --mjpeg, or of a --frames folder whose file names carry only the time." };
        var clock = new Option<EdgeClock>("--clock") { Description = "system (a live store: the key ratchet moves at local midnight by this machine's clock) or frames (replaying a recording of past days: the frames' days move it; every band is closed at the end).", DefaultValueFactory = _ => EdgeClock.System };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Stop at the first frame read at or after this instant (ISO 8601; the machine's clock, or the frame's time with --clock frames)." };
        var maxFrames = new Option<int?>("--max-frames") { Description = "Stop after this many frames." };
        var models = PhotoCapture.ModelsOption();
        var detector = new Option<string>("--detector") { Description = "back (BlazeFace back-256, for small faces in wide CCTV scenes) or front (front-128).", DefaultValueFactory = _ => "back" };
        var command = new Command("run", "Run the edge host: frames → group IDs (nothing of a frame is written), closed bands signed into the outbox; the key ratchet moves at local midnight.")
        {
            config, folder, frames, mjpeg, camera, clock, until, maxFrames, models, detector,
        };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            var configuration = EdgeConfiguration.Load(r.GetValue(config)!.FullName);
            var path = r.GetValue(folder)!.FullName;
            if ((r.GetValue(frames) is null) == (r.GetValue(mjpeg) is null))
            {
                throw new FormatException("Give exactly one of --frames (a spool folder) and --mjpeg (a camera stream).");
            }

            if (r.GetValue(mjpeg) is not null && r.GetValue(camera) is null)
            {
                throw new FormatException("--mjpeg needs --camera: the id of that camera in the configuration.");
            }

            if (r.GetValue(camera) is { } cam && !configuration.Cameras.ContainsKey(cam))
            {
                throw new FormatException($"--camera '{cam}' is not in the configuration's cameras.");
            }

            if (r.GetValue(maxFrames) is < 1)
            {
                throw new FormatException("--max-frames is at least 1.");
            }

            var card = r.GetValue(detector) switch
            {
                "back" => FaceModelCatalog.BlazeFaceBack256,
                "front" => FaceModelCatalog.BlazeFaceFront128,
                _ => throw new FormatException("--detector is back or front."),
            };
            if (!File.Exists(Path.Combine(path, SigningKeyFile)))
            {
                throw new CliFailure(ExitCodes.Refused, $"{path} is not a provisioned edge folder: run 'obscura store edge init' first.");
            }

            using var keys = DailyKeyRatchet.Open(path, configuration.Store);
            using var signer = EdgeSigningKey.ImportPem(File.ReadAllText(Path.Combine(path, SigningKeyFile)));
            using var outbox = new EdgeOutbox(Path.Combine(path, OutboxFile));
            EdgeProcessor processor;
            try
            {
                processor = EdgeProcessor.Open(configuration, keys, new FaceModelStore(r.GetValue(models)?.FullName ?? FaceModelStore.DefaultDirectory), card);
            }
            catch (FaceModelUnavailableException ex)
            {
                throw new CliFailure(ExitCodes.ModelsUnavailable, ex.Message);
            }

            using (processor)
            using (var host = new EdgeHost(processor, keys, outbox, signer, TimeProvider.System, r.GetValue(clock), ex => stderr.WriteLine($"the midnight key move or a band close failed; retrying in a minute: {ex.Message}")))
            using (var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan })
            {
                IFrameSource source = r.GetValue(frames) is { } spool
                    ? new FolderFrameSource(spool.FullName, r.GetValue(camera))
                    : new MjpegFrameSource(Uri.TryCreate(r.GetValue(mjpeg), UriKind.Absolute, out var uri) ? uri : throw new FormatException("--mjpeg is an absolute http or https URL."), r.GetValue(camera)!, http, TimeProvider.System, problems: p => stderr.WriteLine(p));
                var shown = 0;
                var progress = new Progress<EdgeRunSummary>(s =>
                {
                    if (s.Frames + s.LateFrames + s.RefusedFrames >= shown + 100)
                    {
                        shown = s.Frames + s.LateFrames + s.RefusedFrames;
                        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Frames} frames analysed, {s.Faces} faces, {s.LateFrames} late, {s.RefusedFrames} refused, {s.BatchesEnqueued} batches in the outbox"));
                    }
                });
                EdgeRunSummary summary;
                try
                {
                    summary = await host.RunAsync(source, new EdgeRunLimits(r.GetValue(maxFrames), r.GetValue(until)), progress, ct);
                }
                catch (MjpegStreamException ex)
                {
                    stderr.WriteLine(ex.Message);
                    return ExitCodes.CameraUnavailable;
                }
                catch (OperationCanceledException)
                {
                    summary = host.Summary;
                    stderr.WriteLine("stopped; the open band was not published (a stop loses it rather than publishing half a band)");
                }

                stdout.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        store = configuration.Store,
                        summary.Frames,
                        summary.Faces,
                        summary.LateFrames,
                        summary.RefusedFrames,
                        summary.BatchesEnqueued,
                        outboxPending = outbox.Pending,
                        summary.KeyDay,
                        imageResidenceMilliseconds = new { p50 = processor.ImageResidence.P50.TotalMilliseconds, p99 = processor.ImageResidence.P99.TotalMilliseconds },
                    },
                    CliJson.Indented));
                return ExitCodes.Success;
            }
        }));
        return command;
    }

    private static Command EdgeRegister(TextWriter stdout, TextWriter stderr)
    {
        var store = new Option<string>("--store") { Description = "The store id, as in the edge configuration.", Required = true };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "The public key file the edge wrote (edge-signing.pub.pem).", Required = true };
        var apiKeyName = new Option<string>("--api-key-name") { Description = "The name of the API key of role Edge that may post this store's batches (obscura apikey create --role Edge).", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "The store's edge configuration, kept for the notice (GET /v1/store/purposes/{id}/notice?store=…)." };
        var command = new Command("register", "On the processor's data folder (--data): accept a store's batches over HTTP (POST /v1/store/batches) under its edge's public key, from one API key of role Edge only.") { store, publicKey, apiKeyName, config };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            var name = r.GetValue(apiKeyName)!;
            using (var services = LocalServices.Open(r))
            {
                var keys = await services.Keys.ListAsync(ct);
                if (!keys.Any(k => k.Name == name && k.RevokedAt is null && k.Role == Governance.Access.Role.Edge))
                {
                    throw new CliFailure(ExitCodes.Refused, $"There is no live API key '{name}' of role Edge in the data folder: create one with 'obscura apikey create --name {name} --role Edge'.");
                }
            }

            var registry = StoreEdgeRegistry.InDataFolder(Path.GetFullPath(r.GetValue(CliOptions.Data)!));
            registry.Register(new StoreEdge(r.GetValue(store)!, ReadPublicKey(r.GetValue(publicKey)!.FullName), name), r.GetValue(config)?.FullName);
            stdout.WriteLine(JsonSerializer.Serialize(new { store = r.GetValue(store), apiKey = name, registry = registry.Folder, configuration = r.GetValue(config) is not null }, CliJson.Indented));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Push(TextWriter stdout, TextWriter stderr, HttpMessageHandler? httpHandler)
    {
        var outboxOption = new Option<string>("--outbox") { Description = "The edge's outbox database, or the edge folder holding it.", Required = true };
        var apiKeyFile = new Option<FileInfo>("--api-key-file") { Description = "A file holding the edge's API key (role Edge, registered for this store), owner-only.", Required = true };
        var attempts = new Option<int>("--attempts") { Description = "Tries per batch when a request or its answer is lost (1-100); what is still pending stays in the outbox for the next push.", DefaultValueFactory = _ => 5 };
        var retryDelay = new Option<int>("--retry-delay-ms") { Description = "Wait before the second try of a batch, doubled before each further one (at most a minute).", DefaultValueFactory = _ => 1000 };
        var command = new Command("push", "Send an outbox's signed batches to the processor's server (POST /v1/store/batches) with retries; each batch is stored there once, and marked sent here only after the server answered.") { outboxOption, apiKeyFile, attempts, retryDelay };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            var given = Path.GetFullPath(r.GetValue(outboxOption)!);
            var outboxPath = Directory.Exists(given) ? Path.Combine(given, OutboxFile) : given;
            if (!File.Exists(outboxPath))
            {
                throw new FileNotFoundException($"No outbox at {outboxPath}.");
            }

            if (r.GetValue(attempts) is < 1 or > 100 || r.GetValue(retryDelay) is < 0 or > 60_000)
            {
                throw new FormatException("--attempts is 1 to 100, --retry-delay-ms 0 to 60000.");
            }

            // --server is the global option: here it names the processor's server to push to.
            var server = r.GetValue(CliOptions.Server) ?? throw new FormatException("store push needs --server: the processor's server (http or https URL).");
            var key = File.ReadAllText(r.GetValue(apiKeyFile)!.FullName).Trim();
            using var outbox = new EdgeOutbox(outboxPath);
            using var http = httpHandler is null ? new HttpClient() : new HttpClient(httpHandler, disposeHandler: false);
            http.Timeout = TimeSpan.FromMinutes(2);
            var sink = new HttpBatchSink(http, server, key, r.GetValue(attempts), TimeSpan.FromMilliseconds(r.GetValue(retryDelay)));
            var total = outbox.Pending;
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} batches to push to {server}"));
            var drained = await outbox.DrainAsync(sink, new Progress<int>(n => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pushed {n} of {total}"))), ct);
            stdout.WriteLine(JsonSerializer.Serialize(new { drained.Delivered, drained.Duplicates, drained.Rejected, drained.Pending, requests = sink.Requests, drained.StoppedBy }, CliJson.Indented));
            if (drained.StoppedBy is not null)
            {
                stderr.WriteLine($"the server could not be reached ({drained.StoppedBy}); {drained.Pending} batches stay in the outbox for the next push.");
                return ExitCodes.ServerUnavailable;
            }

            if (drained.Rejected > 0)
            {
                stderr.WriteLine($"{drained.Rejected} batches were rejected (unknown store, bad signature or malformed payload) and will not be retried.");
                return ExitCodes.Refused;
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Ingest(TextWriter stdout, TextWriter stderr)
    {
        var outboxOption = new Option<string>("--outbox") { Description = "An edge's outbox database, or the edge folder holding it.", Required = true };
        var inboxOption = new Option<FileInfo>("--inbox") { Description = "The processor's inbox database (created if missing).", Required = true };
        var storeKeys = new Option<string[]>("--store-key") { Description = "STORE=FILE: a store and the public key file its edge wrote (edge-signing.pub.pem); repeatable. Batches of other stores are rejected.", Required = true, AllowMultipleArgumentsPerToken = false };
        var command = new Command("ingest", "Verify and import an outbox's signed batches into the processor's inbox; batches already imported are answered as duplicates (idempotent).") { outboxOption, inboxOption, storeKeys };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var entry in r.GetValue(storeKeys)!)
            {
                var cut = entry.IndexOf('=', StringComparison.Ordinal);
                if (cut <= 0)
                {
                    throw new FormatException($"--store-key '{entry}' is not STORE=FILE.");
                }

                keys[entry[..cut]] = ReadPublicKey(entry[(cut + 1)..]);
            }

            var given = Path.GetFullPath(r.GetValue(outboxOption)!);
            var outboxPath = Directory.Exists(given) ? Path.Combine(given, OutboxFile) : given;
            if (!File.Exists(outboxPath))
            {
                throw new FileNotFoundException($"No outbox at {outboxPath}.");
            }

            using var outbox = new EdgeOutbox(outboxPath);
            using var inbox = new BatchInbox(r.GetValue(inboxOption)!.FullName, keys);
            var drained = await outbox.DrainAsync(inbox, cancellationToken: ct);
            stdout.WriteLine(JsonSerializer.Serialize(new { drained.Delivered, drained.Duplicates, drained.Rejected, drained.Pending, inboxBatches = inbox.Batches }, CliJson.Indented));
            if (drained.Rejected > 0)
            {
                stderr.WriteLine($"{drained.Rejected} batches were rejected (unknown store, bad signature or malformed payload) and will not be retried.");
                return ExitCodes.Refused;
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Report(TextWriter stdout, TextWriter stderr)
    {
        var inboxOption = new Option<FileInfo>("--inbox") { Description = "The processor's inbox database.", Required = true };
        var minCell = new Option<int>("--min-cell") { Description = "Suppress every cell resting on fewer than this many events (k).", DefaultValueFactory = _ => 5 };
        var epsilon = new Option<string?>("--epsilon") { Description = "Noise the visit counts with discrete Laplace noise under ε-DP per visit (a decimal such as 0.5); charged to --dataset's privacy budget in the data folder (--data) first." };
        var dataset = new Option<string?>("--dataset") { Description = "With --epsilon: the dataset whose privacy budget is charged (set one with 'obscura dp budget set')." };
        var purpose = CliOptions.Purpose(description: "The purpose the report publishes for: its governance records in the data folder (--data) must be complete (exit 19 otherwise); with --epsilon, also the purpose whose budget is charged.");
        var html = new Option<FileInfo?>("--html") { Description = "Also write the store dashboard as one self-contained HTML file: the plots (zone heat map, queues over the day, flow matrix, visits per band) with alt text and tables of the same published numbers." };
        var pngDir = new Option<DirectoryInfo?>("--png-dir") { Description = "Also write each dashboard plot as a PNG file in this folder." };
        var command = new Command("report", "Visits, dwell, queues, returning share and flows per store and zone from the inbox, with small cells suppressed (JSON; with --html/--png-dir also the dashboard's plots).") { inboxOption, minCell, epsilon, dataset, purpose, html, pngDir };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            if (!File.Exists(r.GetValue(inboxOption)!.FullName))
            {
                throw new FileNotFoundException($"No inbox at {r.GetValue(inboxOption)!.FullName}.");
            }

            using (var governance = LocalServices.Open(r))
            {
                await GovernedAsync(governance, r.GetValue(purpose), ct);
            }

            Rational? eps = r.GetValue(epsilon) is { } e ? Rational.Parse(e) : null;
            var options = new ReportOptions(r.GetValue(minCell), eps);
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new FormatException(ex.Message, ex);
            }

            StoreObservations observations;
            using (var inbox = new BatchInbox(r.GetValue(inboxOption)!.FullName, new Dictionary<string, byte[]>()))
            {
                observations = inbox.Read();
            }

            VisitorReport? report;
            if (eps is null)
            {
                report = await VisitorStatistics.BuildAsync(observations, options, cancellationToken: ct);
            }
            else
            {
                if (r.GetValue(dataset) is not { } budget)
                {
                    throw new FormatException("--epsilon is charged to a privacy budget: give --dataset (and --data).");
                }

                using var services = LocalServices.Open(r);
                string? refusal = null;
                report = await VisitorStatistics.BuildAsync(
                    observations,
                    options,
                    async (cost, token) =>
                    {
                        var charged = await services.PrivacyBudgets.ChargeAsync(services.Actor, budget, r.GetValue(purpose), cost, "store report: visits", token);
                        refusal = charged.Succeeded ? null : charged.Error.Message;
                        return charged.Succeeded;
                    },
                    cancellationToken: ct);
                if (report is null)
                {
                    stderr.WriteLine(refusal ?? "The privacy budget refused the charge.");
                    return ExitCodes.Refused;
                }
            }

            stdout.WriteLine(PublishedReportJson.Serialize(report!, options));
            if (r.GetValue(html) is not null || r.GetValue(pngDir) is not null)
            {
                WriteDashboard(report!, options, r.GetValue(html), r.GetValue(pngDir));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The dashboard of the published report: the HTML file and/or one PNG per plot (named by section id).</summary>
    private static void WriteDashboard(VisitorReport report, ReportOptions options, FileInfo? html, DirectoryInfo? pngDir)
    {
        var sections = StoreDashboard.Build(report);
        if (pngDir is not null)
        {
            Directory.CreateDirectory(pngDir.FullName);
            foreach (var section in sections)
            {
                if (section.Png is { } png)
                {
                    File.WriteAllBytes(Path.Combine(pngDir.FullName, section.Id + ".png"), png.ToArray());
                }
            }
        }

        if (html is not null)
        {
            File.WriteAllText(html.FullName, StoreDashboardHtml.Render(sections, options));
        }
    }

    private static Command Notice(TextWriter stdout, TextWriter stderr)
    {
        var purpose = CliOptions.Purpose(description: "The purpose the notice informs about: the notice is generated from its governance records in the data folder (--data).");
        var config = ConfigOption();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for sign.svg, sign.txt and second-layer.html.", Required = true };
        var command = new Command("notice", "Write the layered notice: the first-layer sign (SVG, A4) and the second-layer page (HTML), generated from the purpose's governance records (registration, LIA, notice particulars) and the edge configuration; refused (exit 19) while the governance is incomplete.") { purpose, config, output };
        command.SetAction((r, ct) => Guard(stderr, async () =>
        {
            var edge = EdgeConfiguration.Load(r.GetValue(config)!.FullName);
            LayeredNotice layers;
            using (var services = LocalServices.Open(r))
            {
                var (registered, accountability) = await GovernedAsync(services, r.GetValue(purpose), ct);
                layers = GovernedNotice.Generate(registered, accountability, edge);
            }

            var folder = OwnerOnlyFiles.CreateDirectory(r.GetValue(output)!.FullName);
            var files = new Dictionary<string, string> { ["sign.svg"] = layers.SignSvg, ["sign.txt"] = string.Join('\n', layers.SignText) + "\n", ["second-layer.html"] = layers.SecondLayerHtml };
            foreach (var (name, content) in files)
            {
                OwnerOnlyFiles.WriteAtomically(Path.Combine(folder, name), content);
            }

            stdout.WriteLine(JsonSerializer.Serialize(new { files = files.Keys.Select(n => Path.Combine(folder, n)) }, CliJson.Indented));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// The purpose and its accountability documents (checked against the ledger) once <see cref="PublicationGate"/> lets
    /// a report through; the notice asks the gate again for its own particulars.
    /// </summary>
    /// <exception cref="CliFailure">The purpose is not registered.</exception>
    /// <exception cref="PublicationRefusedException">Its governance is incomplete.</exception>
    private static async Task<(Governance.Purposes.Purpose Purpose, PurposeAccountability Accountability)> GovernedAsync(LocalServices services, Governance.Purposes.PurposeId id, CancellationToken ct)
    {
        // One transaction for the registration and the documents, both checked against the ledger.
        var governed = await services.Accountability.GetGovernedAsync(id, ct);
        if (!governed.Succeeded)
        {
            throw new CliFailure(ExitCodes.Refused, governed.Error.Kind == Governance.GovernanceErrorKind.NotFound ? $"Purpose '{id}' is not registered in the data folder." : governed.Error.Message);
        }

        var (registered, accountability) = governed.Value;
        PublicationGate.Ensure(registered, accountability, Publication.Report);
        return (registered, accountability);
    }

    private static byte[] ReadPublicKey(string path)
    {
        var pem = File.ReadAllText(path);
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "PUBLIC KEY")
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} is not a PEM public key (edge-signing.pub.pem from 'obscura store edge init').");
        }

        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    /// <summary>
    /// Maps input mistakes to exit codes: unreadable or invalid files and options are usage errors; incomplete
    /// governance is <see cref="ExitCodes.GovernanceIncomplete"/>, forged documents <see cref="ExitCodes.DocumentNotCommitted"/>,
    /// another refused step <see cref="ExitCodes.Refused"/>.
    /// </summary>
    private static async Task<int> Guard(TextWriter stderr, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or ArgumentException)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is PublicationRefusedException or DocumentNotCommittedException or KeyErasedException or CliFailure)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ex switch
            {
                PublicationRefusedException => ExitCodes.GovernanceIncomplete,
                DocumentNotCommittedException => ExitCodes.DocumentNotCommitted,
                CliFailure failure => failure.ExitCode,
                _ => ExitCodes.Refused,
            };
        }
    }

    /// <summary>Reports on the caller's thread, in order (System.Progress posts to the thread pool).</summary>
    private sealed class Progress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
