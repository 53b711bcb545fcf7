using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Storage;
using Obscura.Security.Files;

namespace Obscura.Storage.Reports;

/// <summary>
/// Named evaluation and audit reports in a data folder (<c>reports/NAME.json</c>), each registered in the audit ledger
/// in the same step that stores it: an entry (audit-record, Create) whose destination is <c>report:NAME</c> and whose
/// reference is <c>sha256:</c> and the file's full SHA-256. A name is never reused, even after its file is deleted. A
/// report is read back only when its file still has the hash an entry for its name holds and that entry has a valid
/// inclusion proof under a validly signed tree head, so a file edited on disk, or planted there without an entry, is
/// refused rather than shown.
/// </summary>
public sealed partial class RegisteredReports
{
    /// <summary>The reports' folder inside the data folder.</summary>
    public const string FolderName = "reports";

    /// <summary>The largest report file read or registered, in bytes.</summary>
    public const int MaxReportBytes = 16 << 20;

    private const string Extension = ".json";
    private const int MaxEntriesPerName = 16;
    private readonly string _directory;
    private readonly IGovernanceStore _store;
    private readonly AuditTrail _audit;
    private readonly LedgerService _ledger;

    /// <summary>Reports in <paramref name="dataFolder"/>'s <see cref="FolderName"/> folder, registered in the ledger of <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="dataFolder"/> is empty.</exception>
    public RegisteredReports(string dataFolder, IGovernanceStore store, AuditLedger ledger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        _directory = Path.Combine(Path.GetFullPath(dataFolder), FolderName);
        _store = store;
        _audit = new AuditTrail(store, ledger);
        _ledger = new LedgerService(store, ledger);
    }

    /// <summary>The reports' folder.</summary>
    public string Directory => _directory;

    /// <summary>Whether <paramref name="name"/> is a report name: 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit (no path characters).</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>The file a report named <paramref name="name"/> is stored in.</summary>
    /// <exception cref="ArgumentException">Not a valid name.</exception>
    public string PathOf(string name) =>
        IsValidName(name) ? Path.Combine(_directory, name + Extension) : throw new ArgumentException(NameRule, nameof(name));

    /// <summary>
    /// Stores <paramref name="content"/> as the report <paramref name="name"/> and appends its ledger entry, so that the
    /// report exists only once its entry is written: the file is written under a temporary name first, the entry is
    /// appended, then the file is renamed into place (never over another). If the entry cannot be written the file is
    /// removed and the exception propagates. Returns the file's path.
    /// </summary>
    /// <param name="actor">Who registers it, as the ledger records actors.</param>
    /// <param name="name">The report's name (<see cref="IsValidName"/>).</param>
    /// <param name="command">The command that produced it, as a token such as <c>eval</c> or <c>audit-model</c>.</param>
    /// <param name="content">The report file's bytes.</param>
    /// <param name="cancellationToken">Cancels before the entry is written.</param>
    /// <returns>The path, or an error: <see cref="GovernanceErrorKind.Invalid"/> for a bad name or an oversized report, <see cref="GovernanceErrorKind.Conflict"/> for a name in use.</returns>
    public async Task<Outcome<string>> RegisterAsync(string actor, string name, string command, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (!IsValidName(name))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, NameRule, "name");
        }

        if (content.Length is 0 or > MaxReportBytes)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"A report is 1 to {MaxReportBytes} bytes.", "report");
        }

        var path = PathOf(name);
        if (File.Exists(path))
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"A report named '{name}' exists already ({path}); choose another name.", "name");
        }

        if ((await EntriesForAsync(name, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"The name '{name}' was registered before (the audit ledger keeps it); choose another name.", "name");
        }

        var registration = new AuditEvent(actor, AuditAction.Create, GovernanceCategories.AuditRecord, from: "command:" + command, to: Destination(name), reference: Reference(content.Span));
        OwnerOnlyFiles.CreateDirectory(_directory);
        var temporary = Path.Combine(_directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = OwnerOnlyFiles.Create(temporary))
            {
                stream.Write(content.Span);
                stream.Flush(flushToDisk: true);
            }

            await _audit.RecordAsync([registration], cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"A report named '{name}' was stored meanwhile ({path}); choose another name.", "name");
        }
        finally
        {
            File.Delete(temporary);
        }

        return path;
    }

    /// <summary>The names of the report files in the folder (valid names only), in order.</summary>
    public IReadOnlyList<string> ListNames()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(_directory, "*" + Extension)
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(IsValidName)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Reads the report <paramref name="name"/> and checks it against the ledger; its bytes come back only when the
    /// check passes (<see cref="ReportStatus.Verified"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Not a valid name.</exception>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    public async Task<ReportReading> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return new ReportReading(name, ReportStatus.NotFound, null, null, $"There is no report named '{name}'.");
        }

        // Never through a link, and never more than a report can hold: a link to /dev/zero has length 0, so the
        // length alone does not bound the read.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return new ReportReading(name, ReportStatus.NotRegistered, null, null, $"The entry stored as report '{name}' is a link, not a file Obscura wrote; it is not shown.");
        }

        // Nor an empty entry: no report is empty, and a named pipe (or a device) has length 0 and would block the open
        // until someone writes to it. (An entry swapped for a pipe between this check and the open still blocks: only
        // an insider who can write to the data folder can do that.)
        if (info.Length == 0)
        {
            return new ReportReading(name, ReportStatus.NotRegistered, null, null, $"The entry stored as report '{name}' is empty or not a regular file; it is not shown.");
        }

        var content = await ReadBoundedAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return new ReportReading(name, ReportStatus.NotRegistered, null, null, $"The file stored as report '{name}' is larger than any report Obscura registers; it is not shown.");
        }
        var entries = await EntriesForAsync(name, cancellationToken).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            return new ReportReading(name, ReportStatus.NotRegistered, null, null, $"No audit-ledger entry registers a report named '{name}': the file was put in the reports folder outside Obscura, so it is not shown.");
        }

        // Names are never reused, so every entry for the name registered this report; more than one only when two
        // registrations raced and one lost the rename.
        var reference = Reference(content);
        if (entries.FirstOrDefault(e => string.Equals(e.Event.Reference, reference, StringComparison.Ordinal)) is not { } entry)
        {
            return new ReportReading(name, ReportStatus.Altered, null, entries[0].Sequence, Inv($"The report file '{name}' does not have the SHA-256 that ledger entry {entries[0].Sequence} registered for it: it was changed after registration, so it is not shown."));
        }

        if (!await InSignedLedgerAsync(entry, cancellationToken).ConfigureAwait(false))
        {
            return new ReportReading(name, ReportStatus.LedgerUnverified, null, entry.Sequence, Inv($"Ledger entry {entry.Sequence}, which registers report '{name}', has no valid inclusion proof under the ledger's signed head: the ledger was changed outside Obscura, so the report is not shown."));
        }

        return new ReportReading(name, ReportStatus.Verified, content, entry.Sequence, Inv($"The file has the SHA-256 registered by ledger entry {entry.Sequence}, which is in the signed ledger."));
    }

    private async Task<bool> InSignedLedgerAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var head = await _ledger.GetLatestHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null || head.TreeSize <= entry.Sequence || !_ledger.VerificationKey.Verify(head))
        {
            return false;
        }

        var proof = await _ledger.GetInclusionProofAsync(entry.Sequence, head.TreeSize, cancellationToken).ConfigureAwait(false);
        return proof.Succeeded
            && CryptographicOperations.FixedTimeEquals(proof.Value!.LeafHash, entry.LeafHash())
            && proof.Value.Verify(head.RootHash);
    }

    private Task<IReadOnlyList<AuditEntry>> EntriesForAsync(string name, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.GetLedgerEntriesToAsync(Destination(name), MaxEntriesPerName, ct), cancellationToken);

    private static string Destination(string name) => "report:" + name;

    private static string Reference(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The file's bytes, or null as soon as it holds more than <see cref="MaxReportBytes"/> (nothing further is read).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.Asynchronous });
        using var content = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (content.Length + n > MaxReportBytes)
            {
                return null;
            }

            content.Write(chunk, 0, n);
        }

        return content.ToArray();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private const string NameRule = "A report name is 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit.";

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z", RegexOptions.CultureInvariant)] // \z: "$" also matches before a final newline
    private static partial Regex NamePattern();
}
