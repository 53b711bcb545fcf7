using Obscura.Governance.Ledger;

namespace Obscura.Storage;

/// <summary>What <see cref="DatabaseCopy.CopyAsync"/> moved.</summary>
/// <param name="Rows">The row count of each table copied.</param>
/// <param name="SourceHead">The source's latest signed tree head read inside the copy's lock (<see langword="null"/> for an empty ledger): the head the target must now have.</param>
public sealed record DatabaseCopyResult(IReadOnlyDictionary<string, long> Rows, SignedTreeHead? SourceHead)
{
    /// <summary>The source was already marked moved to this target by an earlier, interrupted copy, which this one finished or found finished.</summary>
    public bool Resumed { get; init; }

    /// <summary>The target already held exactly the source's rows and head (an earlier copy committed): nothing was written.</summary>
    public bool AlreadyComplete { get; init; }
}
