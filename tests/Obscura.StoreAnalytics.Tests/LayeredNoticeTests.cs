using System.Xml.Linq;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Notice;

namespace Obscura.StoreAnalytics.Tests;

public sealed class LayeredNoticeTests
{
    internal static NoticeConfiguration Notice() => new()
    {
        Controller = "Butiken Exempel AB",
        ControllerContact = "Storgatan 1, 111 22 Stockholm, integritet@butiken.example",
        DataProtectionOfficer = "dpo@butiken.example",
        LegitimateInterest = "to plan staffing and the store layout from visitor flows and queues",
        Processor = "Analys Moln AB",
        AggregateRetention = "24 months",
        SecondLayerUrl = new Uri("https://butiken.example/kameraanalys"),
        ObjectionUrl = new Uri("https://butiken.example/invand"),
        InStoreObjection = "walk in through the lane marked in yellow on the left; faces there are not analysed.",
        SupervisoryAuthority = "Integritetsskyddsmyndigheten (IMY), www.imy.se",
    };

    [Fact]
    public void The_sign_says_faces_are_analysed_and_categorised_why_the_basis_the_rights_and_both_objection_routes()
    {
        var edge = EdgeFixtures.Configuration(k: 5);
        var notice = LayeredNotice.Generate(Notice(), edge);
        var sign = string.Join("\n", notice.SignText);
        foreach (var expected in new[]
        {
            "ANALYSE FACES", "categorised", "Butiken Exempel AB", "entrance (entrance)", "checkout (checkout)", "dwell time, queues",
            "at least 5 visits", $"about {edge.ReMatchByLength[edge.GroupIds.Bits] * 100:F0} %", "Art. 6(1)(f)", "Art. 21",
            "lane marked in yellow", "https://butiken.example/invand", "access, erasure, restriction, objection", "IMY",
            "https://butiken.example/kameraanalys",
        })
        {
            Assert.Contains(expected, sign, StringComparison.Ordinal);
        }

        // The SVG is A4, well-formed, and carries every line of the sign text.
        var svg = XDocument.Parse(notice.SignSvg).Root!;
        Assert.Equal("210mm", svg.Attribute("width")!.Value);
        Assert.Equal("297mm", svg.Attribute("height")!.Value);
        var printed = string.Join(" ", svg.Elements().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        Assert.All(sign.Split('\n', ' ').Where(w => w.Length > 0), w => Assert.Contains(w, printed, StringComparison.Ordinal));
        Assert.All(svg.Elements().Where(e => e.Name.LocalName == "text"), t => Assert.InRange(double.Parse(t.Attribute("y")!.Value, System.Globalization.CultureInfo.InvariantCulture), 0, 289));
    }

    [Fact]
    public void The_second_layer_gives_every_article_13_item_from_the_same_configuration()
    {
        var edge = EdgeFixtures.Configuration(k: 5);
        var html = LayeredNotice.Generate(Notice() with { ThirdCountryTransfers = "none; the processor's cloud is in Sweden" }, edge).SecondLayerHtml;
        foreach (var (item, expected) in new[]
        {
            ("13(1)(a) controller and contact", "Storgatan 1, 111 22 Stockholm"),
            ("13(1)(b) data protection officer", "dpo@butiken.example"),
            ("13(1)(c) purposes", "queues at the checkouts"),
            ("13(1)(c) legal basis", "Art. 6(1)(f)"),
            ("13(1)(d) legitimate interest", "to plan staffing and the store layout"),
            ("13(1)(e) recipients", "Analys Moln AB"),
            ("13(1)(f) transfers", "the processor&#39;s cloud is in Sweden"),
            ("13(2)(a) retention", "24 months"),
            ("13(2)(b) rights", "access (Art. 15), rectification (Art. 16), erasure (Art. 17) and restriction (Art. 18)"),
            ("13(2)(b) objection", "Your right to object (Art. 21)"),
            ("13(2)(e) no requirement", "not a statutory or contractual requirement"),
            ("13(2)(d) complaint", "Integritetsskyddsmyndigheten (IMY)"),
            ("13(2)(f) automated decisions", "no automated decision-making"),
            ("the objection route online", "href=\"https://butiken.example/invand\""),
            ("the in-store route and where it applies", "In the store: walk in through the lane marked in yellow on the left; faces there are not analysed. Zones with an area where no face is analysed: checkout."),
            ("the bands from the edge", "morning until 11:00, lunch until 14:00"),
            ("k from the edge", "at least 5 visits"),
        })
        {
            Assert.True(html.Contains(expected, StringComparison.Ordinal), $"{item}: '{expected}' missing");
        }

        // A different edge configuration changes the notice: it cannot drift from what the edge does.
        var other = LayeredNotice.Generate(Notice(), edge with { GroupIds = edge.GroupIds with { MinimumGroupSize = 20 }, LunchStarts = new TimeOnly(11, 30) }).SecondLayerHtml;
        Assert.Contains("at least 20 visits", other, StringComparison.Ordinal);
        Assert.Contains("morning until 11:30", other, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_text_cannot_inject_markup_into_either_layer()
    {
        var edge = EdgeFixtures.Configuration();
        var notice = LayeredNotice.Generate(Notice() with { Controller = "Evil <script>alert(1)</script> & Co" }, edge);
        Assert.DoesNotContain("<script>", notice.SecondLayerHtml, StringComparison.Ordinal);
        Assert.Contains("Evil &lt;script&gt;", notice.SecondLayerHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", notice.SignSvg, StringComparison.Ordinal);
        Assert.Contains("Evil <script>alert(1)</script> & Co", XDocument.Parse(notice.SignSvg).Root!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_notice_without_an_objection_route_or_with_plain_http_is_refused()
    {
        var edge = EdgeFixtures.Configuration();

        // The fixture's checkout camera has a mask: the sign must say how to use it.
        var ex = Assert.Throws<InvalidDataException>(() => LayeredNotice.Generate(Notice() with { InStoreObjection = null }, edge));
        Assert.Contains("inStoreObjection", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => LayeredNotice.Generate(Notice() with { ObjectionUrl = new Uri("http://butiken.example/invand") }, edge));
        Assert.Throws<InvalidDataException>(() => LayeredNotice.Generate(Notice() with { Controller = " " }, edge));

        // Without masks the online route suffices.
        var unmasked = edge with { Cameras = new Dictionary<string, CameraConfiguration> { ["cam-door"] = new() { Zone = "entrance" } } };
        var sign = string.Join(" ", LayeredNotice.Generate(Notice() with { InStoreObjection = null }, unmasked).SignText);
        Assert.Contains("You may object (GDPR Art. 21) online: https://butiken.example/invand", sign, StringComparison.Ordinal);
    }
}
