namespace Obscura.Privacy.Local;

/// <summary>How <see cref="OptimizedLocalHashing"/> computes each value's support from the reports.</summary>
internal enum OlhDecoding
{
    /// <summary>Count the reports per (seed, bucket), then transform the table digit by digit (when g² &lt; d).</summary>
    Transform,

    /// <summary>Count the reports per (seed, bucket), then add each nonzero count to the values it supports.</summary>
    TablePreimages,

    /// <summary>Add each report to the values it supports as it arrives (when the table would be too large).</summary>
    ReportPreimages,
}
