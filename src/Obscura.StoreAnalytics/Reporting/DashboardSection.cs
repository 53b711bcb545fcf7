namespace Obscura.StoreAnalytics.Reporting;

/// <summary>One section of the store dashboard: a plot (absent for a table-only section) and its table.</summary>
/// <param name="Id">A file-name-safe identifier (lower-case letters, digits and hyphens), unique within a dashboard.</param>
/// <param name="Title">The section's heading.</param>
/// <param name="AltText">What the plot shows, for readers who cannot see it; names the table that gives its numbers.</param>
/// <param name="Png">The plot as PNG bytes, or null for a table-only section.</param>
/// <param name="Table">The same numbers as text.</param>
public sealed record DashboardSection(string Id, string Title, string AltText, ReadOnlyMemory<byte>? Png, DashboardTable Table);
