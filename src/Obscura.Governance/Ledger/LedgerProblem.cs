namespace Obscura.Governance.Ledger;

/// <summary>One finding of <see cref="AuditLedger.VerifyAsync(Storage.ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Message">Where and what, in words. Never holds a record's key: that is in <paramref name="Record"/>.</param>
/// <param name="FirstSequence">The first entry the finding concerns, when known.</param>
/// <param name="LastSequence">The last entry it concerns, when known.</param>
/// <param name="Record">The stored row concerned, as <c>table/key</c>, when the finding is about one.</param>
public sealed record LedgerProblem(LedgerProblemKind Kind, string Message, long? FirstSequence = null, long? LastSequence = null, string? Record = null);
