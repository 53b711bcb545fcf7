using Obscura.Governance.Ledger;

namespace Obscura.Storage;

/// <summary>What <see cref="DatabaseCopy.CopyAsync"/> moved.</summary>
/// <param name="Rows">The row count of each table copied.</param>
/// <param name="SourceHead">The source's latest signed tree head read inside the copy's lock (<see langword="null"/> for an empty ledger): the head the target must now have.</param>
public sealed record DatabaseCopyResult(IReadOnlyDictionary<string, long> Rows, SignedTreeHead? SourceHead);
