namespace Obscura.Governance.Ledger;

/// <summary>One finding of <see cref="AuditLedger.VerifyAsync"/>.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Message">Where and what, in words.</param>
/// <param name="FirstSequence">The first entry the finding concerns, when known.</param>
/// <param name="LastSequence">The last entry it concerns, when known.</param>
public sealed record LedgerProblem(LedgerProblemKind Kind, string Message, long? FirstSequence = null, long? LastSequence = null);
