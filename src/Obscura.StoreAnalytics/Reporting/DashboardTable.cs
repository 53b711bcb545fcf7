namespace Obscura.StoreAnalytics.Reporting;

/// <summary>
/// The numbers of one dashboard section as text: exactly the published cells (a suppressed cell reads
/// <see cref="StoreDashboard.Suppressed"/>), the table fallback of its figure.
/// </summary>
/// <param name="Caption">What the table holds.</param>
/// <param name="Header">Column headings.</param>
/// <param name="Rows">Rows, each as many cells as <paramref name="Header"/>.</param>
public sealed record DashboardTable(string Caption, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);
