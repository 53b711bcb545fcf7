namespace Obscura.Plots;

/// <summary>One plot a <see cref="PlotReport"/> can draw from its data.</summary>
/// <param name="Id">Short id used to ask for it (<c>det</c>, <c>unlinkability</c>, <c>roc</c>).</param>
/// <param name="Title">A caption for the plot.</param>
/// <param name="AltText">A text alternative that states what the plot shows, figures included, for readers who cannot see it.</param>
public sealed record ReportPlot(string Id, string Title, string AltText);
