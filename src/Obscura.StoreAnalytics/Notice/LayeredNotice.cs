using System.Globalization;
using System.Net;
using System.Text;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Notice;

/// <summary>
/// The layered notice of seed 004: the first-layer sign for eye height at the entrance (its text and an A4 SVG) and the
/// second-layer web page, both generated from one <see cref="NoticeConfiguration"/> and the edge's own configuration
/// (zones, time bands, k, re-match probability, privacy masks), so the notice and the processing cannot drift apart.
/// The sign says that faces are analysed and categorised, why, the legal basis, the rights and how to object under
/// Art. 21 (in the store and online); the second layer gives every Art. 13 item.
/// </summary>
public sealed record LayeredNotice(IReadOnlyList<string> SignText, string SignSvg, string SecondLayerHtml)
{
    private const int SignColumns = 58;

    /// <summary>Generates both layers.</summary>
    /// <exception cref="InvalidDataException">A required text is empty, an address is not https, or a camera has a privacy mask but the notice does not say how to use it.</exception>
    public static LayeredNotice Generate(NoticeConfiguration notice, EdgeConfiguration edge)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(edge);
        Validate(notice, edge.Validate());
        var sign = Sign(notice, edge);
        return new LayeredNotice(sign, Qr.SignQrCode.AddTo(Svg(sign), notice.SecondLayerUrl!), Html(notice, edge));
    }

    private static void Validate(NoticeConfiguration n, EdgeConfiguration edge)
    {
        foreach (var (name, value) in new[]
        {
            ("controller", n.Controller), ("controllerContact", n.ControllerContact), ("legitimateInterest", n.LegitimateInterest),
            ("processor", n.Processor), ("aggregateRetention", n.AggregateRetention), ("supervisoryAuthority", n.SupervisoryAuthority),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidDataException($"The notice needs {name} (GDPR Art. 13).");
            }
        }

        foreach (var (name, url) in new[] { ("secondLayerUrl", n.SecondLayerUrl), ("objectionUrl", n.ObjectionUrl) })
        {
            if (url is null || !url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidDataException($"The notice's {name} is an absolute https address.");
            }
        }

        if (edge.Cameras.Values.Any(c => c.Masks.Count > 0) && string.IsNullOrWhiteSpace(n.InStoreObjection))
        {
            throw new InvalidDataException("Cameras have privacy masks: say on the sign how visitors who object use them (inStoreObjection).");
        }
    }

    private static string Percent(double value) => (value * 100).ToString("F0", CultureInfo.InvariantCulture) + " %";

    private static double ReMatch(EdgeConfiguration edge) => edge.ReMatchByLength[edge.GroupIds.Bits];

    private static string Zones(EdgeConfiguration edge) =>
        string.Join(", ", edge.Zones.OrderBy(z => z.Value).ThenBy(z => z.Key, StringComparer.Ordinal).Select(z => $"{z.Key} ({z.Value.ToString().ToLowerInvariant()})"));

    private static List<string> Sign(NoticeConfiguration n, EdgeConfiguration edge)
    {
        var paragraphs = new List<string>
        {
            "CAMERAS ANALYSE FACES IN THIS STORE",
            $"{n.Controller} analyses the faces of visitors filmed in these zones: {Zones(edge)}, to count visits and measure dwell time, queues and the flow between zones ({n.LegitimateInterest}).",
            $"Each face is categorised into a group ID shared by at least {edge.GroupIds.MinimumGroupSize} visits and a time band (morning, lunch, afternoon); the image is deleted at once and never stored. A returning visitor gets the same group ID only about {Percent(ReMatch(edge))} of the time.",
            n.InterestAssessment is { Length: > 0 } assessed ? $"Legal basis: legitimate interests, GDPR Art. 6(1)(f). {assessed}" : "Legal basis: legitimate interests, GDPR Art. 6(1)(f).",
            $"Statistics are computed by: {n.Processor}. Statistics kept: {n.AggregateRetention}.",
            n.InStoreObjection is { Length: > 0 } lane
                ? $"You may object (GDPR Art. 21): {lane} Or object online: {n.ObjectionUrl}"
                : $"You may object (GDPR Art. 21) online: {n.ObjectionUrl}",
            $"Your rights: information, access, erasure, restriction, objection, and complaint to {n.SupervisoryAuthority}.",
            $"Controller: {n.Controller}, {n.ControllerContact}.",
            $"Full information: {n.SecondLayerUrl}",
        };
        return paragraphs;
    }

    private static string Svg(List<string> paragraphs)
    {
        // A4 portrait in millimetres; body text 4.2 mm (about 12 pt), title 7 mm, wrapped greedily by characters.
        var svg = new StringBuilder();
        svg.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\">\n");
        svg.Append("<rect x=\"0\" y=\"0\" width=\"210\" height=\"297\" fill=\"#ffffff\"/>\n");
        svg.Append("<rect x=\"8\" y=\"8\" width=\"194\" height=\"281\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n");
        var y = 30.0;
        for (var p = 0; p < paragraphs.Count; p++)
        {
            var size = p == 0 ? 7.0 : 4.2;
            foreach (var line in Wrap(paragraphs[p], p == 0 ? 36 : SignColumns))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"18\" y=\"{y:F1}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{size:F1}\"{(p == 0 ? " font-weight=\"bold\"" : "")}>{WebUtility.HtmlEncode(line)}</text>\n");
                y += size * 1.35;
            }

            y += 4;
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static IEnumerable<string> Wrap(string text, int columns)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > columns)
            {
                yield return line.ToString();
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    private static string Html(NoticeConfiguration n, EdgeConfiguration edge)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var masked = edge.Cameras.Where(c => c.Value.Masks.Count > 0).Select(c => c.Value.Zone).Distinct().Order(StringComparer.Ordinal).ToList();
        var html = new StringBuilder();
        void Section(string title, params string[] paragraphs)
        {
            html.Append("<h2>").Append(E(title)).Append("</h2>\n");
            foreach (var p in paragraphs)
            {
                html.Append("<p>").Append(p).Append("</p>\n");
            }
        }

        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Camera analysis of faces in our store</title></head>\n<body>\n");
        html.Append("<h1>Camera analysis of faces in our store</h1>\n");
        Section(
            "Who is responsible",
            $"The controller is {E(n.Controller)}, {E(n.ControllerContact)}.",
            n.DataProtectionOfficer is { Length: > 0 } dpo ? $"Data protection officer: {E(dpo)}." : "We have not designated a data protection officer; write to the controller.");
        Section(
            "What we do and why",
            $"Cameras in these zones are analysed: {E(Zones(edge))}. Software in the store detects each face, turns it into a group ID and deletes the image and the face measurements at once; nothing of the image is stored or sent.",
            $"A group ID is a randomised category of similar-looking faces, valid for one day and one time band (morning until {edge.LunchStarts:HH:mm}, lunch until {edge.AfternoonStarts:HH:mm}, afternoon). Every published group ID stands for at least {edge.GroupIds.MinimumGroupSize} visits; a returning visitor gets the same group ID only about {E(Percent(ReMatch(edge)))} of the time; the key that makes the IDs changes every day and the old one is erased. Only the group ID, the zone, the time band and the time rounded to {edge.CoarseMinutes} minutes leave the store.",
            n.Purpose is { Length: > 0 } registered
                ? $"Purpose: {E(registered)} We do not identify you, follow you across days or make any decision about you (no automated decision-making, Art. 22)."
                : "Purposes: counting visits and measuring dwell time, queues at the checkouts and the flow between zones, also compared across our stores. We do not identify you, follow you across days or make any decision about you (no automated decision-making, Art. 22).");
        Section(
            "Legal basis",
            $"Our legitimate interests (GDPR Art. 6(1)(f)): {E(n.LegitimateInterest)}.{(n.InterestAssessment is { Length: > 0 } assessed ? " " + E(assessed) : "")}");
        Section(
            "Who receives the data",
            $"Recipients: the processors that compute the statistics on our behalf under a data processing agreement (Art. 28): {E(n.Processor)}.",
            n.ThirdCountryTransfers is { Length: > 0 } t ? $"Transfers outside the EU/EEA: {E(t)}." : "No data is transferred outside the EU/EEA.");
        Section(
            "How long",
            $"Images and face measurements: not stored (deleted within a fraction of a second). Group IDs in the store: in memory until the time band ends. Aggregated statistics: {E(n.AggregateRetention)}.");
        var inStore = n.InStoreObjection is { Length: > 0 } lane
            ? $"In the store: {E(lane)}{(masked.Count > 0 ? $" Zones with an area where no face is analysed: {E(string.Join(", ", masked))}." : "")} "
            : "";
        Section(
            "Your right to object (Art. 21)",
            $"You may object at any time to the analysis, on grounds relating to your particular situation. {inStore}Online: <a href=\"{E(n.ObjectionUrl.AbsoluteUri)}\">{E(n.ObjectionUrl.AbsoluteUri)}</a>. The analysis then stops unless we demonstrate compelling legitimate grounds (Art. 21(1)).");
        Section(
            "Your other rights",
            "Being analysed is not a statutory or contractual requirement, nor a condition of shopping here. You have the right to information, access (Art. 15), rectification (Art. 16), erasure (Art. 17) and restriction (Art. 18). Because a group ID cannot be traced back to you, we may be unable to find data about you (Art. 11(2)); we will tell you if so.",
            $"You may complain to the supervisory authority: {E(n.SupervisoryAuthority)} (Art. 77).");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }
}
