using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Minimisation;
using Obscura.ModelPrivacy.Runs;
using Obscura.ModelPrivacy.Serving;
using Obscura.ModelPrivacy.Training;
using Obscura.Privacy.Accounting;
using Obscura.Security.Files;

namespace Obscura.Server.Jobs;

/// <summary>
/// Runs claimed jobs: renews the lease while the work runs (stopping the work when the lease is lost or cancellation
/// is asked for), records the start, the completion and the failure in the audit ledger, writes the files to the
/// attempt's folder and stores the result only while the lease still holds (a late result is refused).
/// </summary>
public sealed class JobExecutor
{
    private static readonly DataCategory TrainingData = DataCategory.Parse("training-data");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly JobStore _store;
    private readonly AuditTrail _audit;
    private readonly PrivacyBudgetLedger _budgets;
    private readonly JobOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;

    /// <summary>An executor over <paramref name="store"/> that records to <paramref name="audit"/> and charges <paramref name="budgets"/>.</summary>
    public JobExecutor(JobStore store, AuditTrail audit, PrivacyBudgetLedger budgets, JobOptions options, TimeProvider clock, ILogger<JobExecutor> log)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _audit = audit ?? throw new ArgumentNullException(nameof(audit));
        _budgets = budgets ?? throw new ArgumentNullException(nameof(budgets));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>Claims the oldest claimable job for <paramref name="owner"/>, or returns null when there is none (or others took them all first).</summary>
    public JobLease? TryClaimNext(string owner)
    {
        foreach (var id in _store.Claimable(8))
        {
            if (_store.TryClaim(id, owner, _options.Lease) is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs the job <paramref name="lease"/> holds to its end. When <paramref name="stopping"/> fires (the process
    /// stops), the job goes back to the queue. Failures of the work end the job as failed; only a failure of the job store itself throws.
    /// </summary>
    public async Task RunClaimedAsync(JobLease lease, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var job = _store.Find(lease.JobId) ?? throw new InvalidOperationException("A claimed job is missing.");
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var running = Task.Run(() => ExecuteAsync(job, lease, work.Token), CancellationToken.None);
        var renewal = JobRenewal.Held;
        using (var beats = new CancellationTokenSource())
        {
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(_options.Heartbeat, _clock, beats.Token)).ConfigureAwait(false);
                if (running.IsCompleted)
                {
                    break;
                }

                renewal = _store.Renew(lease, _options.Lease);
                if (renewal != JobRenewal.Held)
                {
                    await work.CancelAsync().ConfigureAwait(false);
                    break;
                }
            }

            await beats.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            var result = await running.ConfigureAwait(false);
            if (!_store.Complete(lease, result))
            {
                _log.LogWarning("Job {Job} attempt {Attempt} finished after its lease was lost: its result was refused.", job.Id, lease.Attempt);
            }
        }
        catch (OperationCanceledException) when (renewal == JobRenewal.Lost)
        {
            _log.LogWarning("Job {Job} attempt {Attempt} stopped: its lease was lost to another worker.", job.Id, lease.Attempt);
        }
        catch (OperationCanceledException) when (renewal == JobRenewal.CancelRequested)
        {
            _store.MarkCancelled(lease);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            _store.Release(lease);
        }
        catch (Exception ex)
        {
            var error = Describe(ex);
            _log.LogWarning("Job {Job} attempt {Attempt} failed: {Error}", job.Id, lease.Attempt, error);
            try
            {
                await RecordAsync(job, "failed:attempt-" + lease.Attempt.ToString(CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ledger) when (ledger is not OutOfMemoryException)
            {
                error += " The failure could not be recorded in the audit ledger.";
            }

            _store.Fail(lease, error);
        }
    }

    /// <summary>The message a failed job shows: the domain's own message for refused or invalid input, else only the kind of failure.</summary>
    internal static string Describe(Exception exception) => exception switch
    {
        JobFailure or ArgumentException or FormatException or InvalidDataException => exception.Message,
        IOException or UnauthorizedAccessException => "A file of the job could not be read or written.",
        _ => $"The job failed unexpectedly ({exception.GetType().Name}).",
    };

    private async Task<string> ExecuteAsync(JobRecord job, JobLease lease, CancellationToken cancellationToken)
    {
        // Audit writes fail loudly: a job whose start cannot be recorded does not run.
        await RecordAsync(job, "started:attempt-" + lease.Attempt.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var folder = OwnerOnlyFiles.CreateDirectory(_store.AttemptFolder(lease));
        var (report, files) = job.Kind switch
        {
            JobKind.Minimise => Minimise(Read<MinimiseJobRequest>(job), lease, folder, cancellationToken),
            JobKind.Train => await TrainAsync(job, Read<TrainJobRequest>(job), lease, folder, cancellationToken).ConfigureAwait(false),
            JobKind.Audit => Audit(Read<AuditJobRequest>(job), lease, folder, cancellationToken),
            _ => throw new JobFailure("Unknown job kind."),
        };
        var reportJson = JsonSerializer.Serialize(report, Json);
        OwnerOnlyFiles.WriteAtomically(Path.Combine(folder, "report.json"), reportJson);
        files["report"] = Relative(folder, "report.json");
        var reference = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reportJson)))[..32];
        await RecordAsync(job, reference, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(new { attempt = lease.Attempt, files, ledgerReference = reference, report }, Json);
    }

    private (object Report, Dictionary<string, string> Files) Minimise(MinimiseJobRequest request, JobLease lease, string folder, CancellationToken cancellationToken)
    {
        var data = ArffReader.Read(request.DataFile!);
        var features = Math.Max(1, data.Attributes.Count - 1);
        var steps = 0;
        var progress = new JobProgress<FeatureSelectionStep>(_store, lease, _ => (double)Interlocked.Increment(ref steps) / features);
        var result = ForwardFeatureSelection.Run(data, request.Target!, request.MinAccuracy!.Value, request.Folds!.Value, request.Seed!.Value, progress, cancellationToken);
        var report = RunReports.Minimisation(result);
        if (result.Chosen is { } chosen)
        {
            // The fields a vault minimisation policy for the purpose may allow, ready for POST /v1/vault/policies.
            OwnerOnlyFiles.WriteAtomically(Path.Combine(folder, "allowed-fields.json"), JsonSerializer.Serialize(chosen.Select(f => "label:" + f), Json));
            return (report, new Dictionary<string, string> { ["allowedFields"] = Relative(folder, "allowed-fields.json") });
        }

        throw new JobFailure(string.Create(CultureInfo.InvariantCulture, $"No feature set reached {result.RequiredAccuracy:P1}; the best greedy set reached {result.ChosenAccuracy:P1} and all features {result.AllFeaturesAccuracy:P1}."));
    }

    private async Task<(object Report, Dictionary<string, string> Files)> TrainAsync(JobRecord job, TrainJobRequest request, JobLease lease, string folder, CancellationToken cancellationToken)
    {
        var train = IdxReader.Load(request.DataDir!, "train", request.TrainLimit!.Value);
        var test = IdxReader.Load(request.DataDir!, "t10k");
        var options = request.Options.Validate();
        var model = new Classifier(train.Pixels, train.Classes, request.Hidden!.Value);
        var (samplingRate, steps) = SgdTrainer.Schedule(train.Count, options);
        PrivacyCost.SubsampledGaussian? cost = null;
        if (request.Epsilon is { } target)
        {
            var sigma = DpSgdCalibration.NoiseMultiplierFor(request.Accountant!, target, request.Delta!.Value, samplingRate, steps);
            cost = new PrivacyCost.SubsampledGaussian(samplingRate, sigma, steps);
            options = options with { NoiseMultiplier = sigma };

            // Charged before training, as 'obscura train' charges; an attempt restarted after a crash is charged again.
            var charged = await DpSgdCalibration.ChargeAsync(_budgets, Actor.Parse(job.Requester), request.Dataset!, PurposeId.Parse(request.Purpose!), cost, train.Count, cancellationToken).ConfigureAwait(false);
            if (!charged.Succeeded)
            {
                throw new JobFailure(charged.Error!.Message);
            }
        }

        var noise = request.Seed is { } s ? NoiseSource.Seeded(s) : NoiseSource.Secure();
        var progress = new JobProgress<TrainingProgress>(_store, lease, p => (double)p.Epoch / p.Epochs);
        var result = SgdTrainer.Train(model, train, options, noise, progress: progress, cancellationToken: cancellationToken);
        var accuracy = SgdTrainer.Accuracy(model, result.Parameters, test);
        var epsilon = cost is null ? (double?)null : DpSgdCalibration.Accounted(cost, request.Delta!.Value).Epsilon;
        var modelPath = Path.Combine(folder, "model.obm");
        var sha256 = ModelFile.Write(modelPath, model, result.Parameters, new ModelMetadata(_clock.GetUtcNow(), epsilon, cost is null ? null : request.Delta, train.Count));
        var privacy = cost is null ? null : DpSgdCalibration.Report(cost, request.Delta!.Value, request.Accountant!, options.ClipNorm);
        var report = RunReports.Training(request.Hidden!.Value, train, test, options, result, privacy, accuracy, Relative(folder, "model.obm"), sha256);
        return (report, new Dictionary<string, string> { ["model"] = Relative(folder, "model.obm") });
    }

    private (object Report, Dictionary<string, string> Files) Audit(AuditJobRequest request, JobLease lease, string folder, CancellationToken cancellationToken)
    {
        var options = request.Options.Validate();
        var data = IdxReader.Load(request.DataDir!, "train", options.PoolSize);
        var messages = 0;
        var progress = new JobProgress<string>(_store, lease, _ => Math.Min(0.99, (double)Interlocked.Increment(ref messages) / (options.Shadows + 2)));
        var result = MembershipAudit.Run(data, options, progress, cancellationToken);
        var files = new Dictionary<string, string>();
        foreach (var attack in result.Attacks)
        {
            var csv = new StringBuilder("fpr,tpr\n");
            foreach (var (fpr, tpr) in attack.Roc.Points())
            {
                csv.AppendLine(CultureInfo.InvariantCulture, $"{fpr},{tpr}");
            }

            var name = $"roc-{attack.Attack}.csv";
            OwnerOnlyFiles.WriteAtomically(Path.Combine(folder, name), csv.ToString());
            files["roc-" + attack.Attack] = Relative(folder, name);
        }

        return (RunReports.MembershipAudit(result, options, null), files);
    }

    /// <summary>One ledger entry of the job: a Read of training data by the requester, from the job to what it produces.</summary>
    private Task<SignedTreeHead> RecordAsync(JobRecord job, string reference, CancellationToken cancellationToken)
    {
        var purpose = PurposeOf(job);
        var to = job.Kind switch
        {
            JobKind.Minimise => "minimisation:features",
            JobKind.Train => "training:model",
            _ => "audit:membership-inference",
        };
        return _audit.RecordAsync([new AuditEvent(job.Requester, AuditAction.Read, TrainingData, purpose: purpose, from: "job:" + job.Id, to: to, reference: reference)], cancellationToken);
    }

    private static PurposeId? PurposeOf(JobRecord job)
    {
        using var document = JsonDocument.Parse(job.Request);
        return document.RootElement.TryGetProperty("purpose", out var p) && p.ValueKind == JsonValueKind.String && PurposeId.TryParse(p.GetString(), out var id) ? id : null;
    }

    private static T Read<T>(JobRecord job) => JsonSerializer.Deserialize<T>(job.Request, Json) ?? throw new JobFailure("The stored request is empty.");

    /// <summary>A file of the attempt, named relative to the data folder (<c>jobs/ID/attempt-N/NAME</c>): the result names no server path.</summary>
    private string Relative(string folder, string name) =>
        Path.GetRelativePath(Path.GetDirectoryName(_store.Directory)!, Path.Combine(folder, name)).Replace('\\', '/');
}
