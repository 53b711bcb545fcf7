using System.Globalization;
using System.Net;
using System.Text;
using Obscura.StoreAnalytics.Analytics;

namespace Obscura.StoreAnalytics.Reporting;

/// <summary>
/// The dashboard as one self-contained HTML document: each plot is an &lt;img&gt; with a data: URI and alt text, and
/// each is followed by a table of the same numbers (the accessible fallback); no script, style sheet or image is
/// loaded from anywhere else.
/// </summary>
public static class StoreDashboardHtml
{
    /// <summary>Renders the whole document.</summary>
    /// <param name="sections">The sections (from <see cref="StoreDashboard.Build"/>).</param>
    /// <param name="options">The publication settings, stated at the top (k and ε).</param>
    /// <exception cref="ArgumentNullException">A missing argument.</exception>
    public static string Render(IReadOnlyList<DashboardSection> sections, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentNullException.ThrowIfNull(options);
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Store dashboard</title>
            <style>
            body { font-family: "DejaVu Sans", sans-serif; margin: 2em; color: #111; }
            img { max-width: 100%; height: auto; }
            table { border-collapse: collapse; margin: 1em 0 2em; }
            th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: left; }
            td.suppressed { background: #BDBDBD; }
            </style>
            </head>
            <body>
            <main>
            <h1>Store dashboard</h1>

            """);
        html.Append(RenderBody(sections, options));
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Renders the sections alone (an HTML fragment with &lt;h2&gt; headings), for a page that has its own frame.</summary>
    /// <param name="sections">The sections.</param>
    /// <param name="options">The publication settings, stated first.</param>
    /// <exception cref="ArgumentNullException">A missing argument.</exception>
    public static string RenderBody(IReadOnlyList<DashboardSection> sections, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentNullException.ThrowIfNull(options);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<p>Only the processor's published cells are shown: every cell resting on fewer than k = {options.MinimumCell} events is suppressed (grey, \"{StoreDashboard.Suppressed}\")")
            .Append(options.VisitsEpsilon is { } e ? $"; visit counts carry discrete Laplace noise under ε = {Encode(e.ToString())} per visit, and the entrance zones' person-minutes are withheld (shown as suppressed) because they would give the exact counts back." : ".")
            .Append("</p>\n");
        foreach (var section in sections)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section id=\"{Encode(section.Id)}\">\n<h2>{Encode(section.Title)}</h2>\n");
            if (section.Png is { } png)
            {
                html.Append(CultureInfo.InvariantCulture, $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png.Span)}\" alt=\"{Encode(section.AltText)}\">\n");
            }

            html.Append(CultureInfo.InvariantCulture, $"<table>\n<caption>{Encode(section.Table.Caption)}</caption>\n<thead><tr>");
            foreach (var heading in section.Table.Header)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\">{Encode(heading)}</th>");
            }

            html.Append("</tr></thead>\n<tbody>\n");
            foreach (var row in section.Table.Rows)
            {
                html.Append("<tr>");
                foreach (var cell in row)
                {
                    html.Append(cell == StoreDashboard.Suppressed ? "<td class=\"suppressed\">" : "<td>").Append(Encode(cell)).Append("</td>");
                }

                html.Append("</tr>\n");
            }

            html.Append("</tbody>\n</table>\n</section>\n");
        }

        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
