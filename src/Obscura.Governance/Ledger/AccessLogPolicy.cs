namespace Obscura.Governance.Ledger;

/// <summary>
/// When the access log's pending rows are committed to the ledger: as soon as <see cref="BatchSize"/> rows are
/// pending, or when the oldest pending row is older than <see cref="MaxAge"/> at the next read. Each commitment is one
/// ledger entry and one signed head, so <c>n</c> reads add at most <c>n / BatchSize</c> entries plus one per
/// <see cref="MaxAge"/>. Rows not yet committed are not tamper-evident: that window is what the two bounds limit.
/// </summary>
/// <param name="BatchSize">Rows per commitment, at least 1.</param>
/// <param name="MaxAge">The longest a row waits for its commitment while reads continue; positive.</param>
public sealed record AccessLogPolicy(int BatchSize, TimeSpan MaxAge)
{
    /// <summary>100 rows or one minute.</summary>
    public static AccessLogPolicy Default { get; } = new(100, TimeSpan.FromMinutes(1));

    /// <summary>Rows per commitment, at least 1.</summary>
    public int BatchSize { get; } = BatchSize >= 1 ? BatchSize : throw new ArgumentOutOfRangeException(nameof(BatchSize), "A batch holds at least one row.");

    /// <summary>The longest a row waits for its commitment while reads continue.</summary>
    public TimeSpan MaxAge { get; } = MaxAge > TimeSpan.Zero ? MaxAge : throw new ArgumentOutOfRangeException(nameof(MaxAge), "The age bound must be positive.");
}
