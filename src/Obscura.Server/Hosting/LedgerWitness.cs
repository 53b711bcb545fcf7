using System.Text.Json;
using Microsoft.Extensions.Options;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Security.Files;

namespace Obscura.Server.Hosting;

/// <summary>
/// Publishes the ledger's latest signed head to the configured witnesses (<see cref="WitnessOptions"/>): a folder's
/// <c>latest.json</c>, replaced atomically and owner-only, and/or a JSON <c>POST</c> to a URL. Before replacing the
/// folder's head it checks, with a consistency proof, that the new head extends the one already there: a ledger cut
/// back or rewritten while the server was stopped is then logged as critical and the evidence kept, never
/// overwritten. Publishing happens after commit, off the write path; a failure is logged and retried.
/// </summary>
internal sealed partial class LedgerWitness(LedgerService ledger, AuditLedger auditLedger, IOptions<ObscuraOptions> options, IHttpClientFactory http, ILogger<LedgerWitness> log) : IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> that posts heads.</summary>
    public const string HttpClientName = "obscura-witness";

    /// <summary>The file in the witness folder.</summary>
    public const string FileName = "latest.json";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SignedTreeHead? _toFolder;
    private SignedTreeHead? _toUrl;

    /// <summary>Publishes the latest head wherever it has not been published yet.</summary>
    /// <returns>Whether every configured witness now holds it.</returns>
    public async Task<bool> PublishAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (await ledger.GetLatestHeadAsync(cancellationToken) is not { } head)
            {
                return true;
            }

            var witness = options.Value.Witness;
            var ok = true;
            if (!string.IsNullOrWhiteSpace(witness.Folder) && !Same(_toFolder, head))
            {
                ok &= await ToFolderAsync(witness.Folder, head, cancellationToken);
            }

            if (witness.Url is { } url && !Same(_toUrl, head))
            {
                ok &= await ToUrlAsync(url, head, cancellationToken);
            }

            return ok;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// Gives <paramref name="ledger"/> the head in the witness folder, if any, before the server takes its first request:
    /// every decision and append then requires the database's ledger to extend it (<see cref="AuditLedger.TrySetWitnessedHead"/>),
    /// so a database restored from an older copy while the server was stopped decides nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file exists but cannot be read, or its head is not signed with the ledger's key.</exception>
    public static void LoadWitnessedHead(AuditLedger ledger, WitnessOptions witness, ILogger<LedgerWitness> log)
    {
        if (string.IsNullOrWhiteSpace(witness.Folder) || !File.Exists(Path.Combine(witness.Folder, FileName)))
        {
            return;
        }

        SignedTreeHead? head;
        try
        {
            head = JsonSerializer.Deserialize<SignedTreeHead>(File.ReadAllText(Path.Combine(witness.Folder, FileName)), GovernanceJson.Options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            LogWitnessedHeadUnreadable(log, ex);
            throw new InvalidOperationException($"The head in the witness folder ({witness.Folder}) cannot be read; the server does not start without the check it gives. Restore the file or the folder's permissions.", ex);
        }

        // A head not signed with the data folder's key means the key (and so perhaps the whole ledger) was swapped:
        // ignoring it would drop the very check it exists for.
        if (head is null || !ledger.TrySetWitnessedHead(head))
        {
            LogWitnessedHeadNotOurs(log, head?.TreeSize ?? 0);
            throw new InvalidOperationException($"The head in the witness folder ({witness.Folder}) is not signed with the data folder's ledger key: the key or the ledger was replaced, or the folder belongs to another deployment. The server does not start.");
        }
    }

    private static bool Same(SignedTreeHead? a, SignedTreeHead b) => a is not null && a.TreeSize == b.TreeSize && a.RootHash.AsSpan().SequenceEqual(b.RootHash);

    private async Task<bool> ToFolderAsync(string folder, SignedTreeHead head, CancellationToken cancellationToken)
    {
        try
        {
            var directory = OwnerOnlyFiles.CreateDirectory(folder);

            var path = Path.Combine(directory, FileName);
            if (File.Exists(path) && JsonSerializer.Deserialize<SignedTreeHead>(await File.ReadAllTextAsync(path, cancellationToken), GovernanceJson.Options) is { } previous)
            {
                // Another process sharing the data folder may have published a later head: the ledger must extend it too.
                auditLedger.TrySetWitnessedHead(previous);
                var proof = previous.TreeSize <= head.TreeSize ? (await ledger.GetConsistencyProofAsync(previous.TreeSize, head.TreeSize, cancellationToken)).Value : null;
                var problems = AuditLedger.CheckWitnessedHead(previous, head, proof, ledger.VerificationKey);
                if (problems.Count > 0)
                {
                    LogNotExtended(log, previous.TreeSize, head.TreeSize, problems[0].Kind, problems[0].Message);
                    return false;
                }
            }

            OwnerOnlyFiles.WriteAtomically(path, JsonSerializer.Serialize(head, GovernanceJson.Indented));
            auditLedger.TrySetWitnessedHead(head);
            _toFolder = head;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            LogFolderFailed(log, ex);
            return false;
        }
    }

    private async Task<bool> ToUrlAsync(Uri url, SignedTreeHead head, CancellationToken cancellationToken)
    {
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.PostAsJsonAsync(url, head, GovernanceJson.Options, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogUrlRefused(log, (int)response.StatusCode);
                return false;
            }

            _toUrl = head;
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUrlFailed(log, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The ledger does not extend the head in the witness folder ({Witnessed} entries; the ledger's head covers {Current}): {Kind}. {Detail} The witnessed head is kept; run 'obscura ledger verify --against-head'.")]
    private static partial void LogNotExtended(ILogger logger, long witnessed, long current, LedgerProblemKind kind, string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The head in the witness folder ({Witnessed} entries) is not signed with this data folder's ledger key; the server does not start. Check the witness folder and the key.")]
    private static partial void LogWitnessedHeadNotOurs(ILogger logger, long witnessed);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The head in the witness folder cannot be read; the server does not start")]
    private static partial void LogWitnessedHeadUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the signed head to the witness folder failed; retried at the next commit")]
    private static partial void LogFolderFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The witness URL answered {Status}; the head is posted again at the next commit")]
    private static partial void LogUrlRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting the signed head to the witness URL failed; retried at the next commit")]
    private static partial void LogUrlFailed(ILogger logger, Exception exception);
}
