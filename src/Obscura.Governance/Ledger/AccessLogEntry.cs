namespace Obscura.Governance.Ledger;

/// <summary>
/// One read of personal data, as recorded in the access log: like an <see cref="AuditEntry"/>, but not signed one by
/// one. The ledger commits the log in batches (see <see cref="AccessLogPolicy"/>).
/// </summary>
/// <param name="Sequence">Position in the access log, from 1.</param>
/// <param name="RecordedAt">When the read happened, at millisecond precision.</param>
/// <param name="Event">Who read what.</param>
public sealed record AccessLogEntry(long Sequence, DateTimeOffset RecordedAt, AuditEvent Event);
