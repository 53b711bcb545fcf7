using System.Globalization;
using System.Net;

namespace Obscura.StoreAnalytics.Notice.Qr;

/// <summary>
/// Places a QR code of the second layer's address on the A4 sign (an SVG in millimetres, viewBox 0 0 210 297): a
/// <see cref="Side"/>-millimetre square (quiet zone of four modules included) in the bottom-right corner inside the
/// border, white behind it, the dark modules as one SVG path, with the address as its &lt;title&gt; and as text beneath.
/// </summary>
internal static class SignQrCode
{
    /// <summary>Side of the square in millimetres, quiet zone included.</summary>
    public const double Side = 42;

    /// <summary>Left edge of the square (mm).</summary>
    public const double Left = 210 - 14 - Side;

    /// <summary>Top edge of the square (mm): its bottom 14 mm above the page's, leaving room for the address.</summary>
    public const double Top = 297 - 20 - Side;

    /// <summary>Returns the SVG with the QR code of <paramref name="url"/> added before its closing tag.</summary>
    /// <exception cref="InvalidDataException">The SVG has no closing tag.</exception>
    public static string AddTo(string svg, Uri url)
    {
        ArgumentNullException.ThrowIfNull(svg);
        ArgumentNullException.ThrowIfNull(url);
        var end = svg.LastIndexOf("</svg>", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidDataException("The sign is not a complete SVG document.");
        }

        var text = url.AbsoluteUri;
        var code = QrCode.Encode(text, QrErrorCorrection.Medium);
        var modules = code.Size + 8;
        var scale = Side / modules;
        var element = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            <g id="qr-second-layer" transform="translate({Left:0.###} {Top:0.###}) scale({scale:0.######})">
            <title>QR code: {WebUtility.HtmlEncode(text)}</title>
            <rect x="0" y="0" width="{modules}" height="{modules}" fill="#ffffff"/>
            <path d="{code.ToSvgPath(4)}" fill="#000000"/>
            </g>
            <text x="{Left + (Side / 2):0.###}" y="{Top + Side + 4:0.###}" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="2.6">Scan for the full information</text>

            """);
        return svg[..end] + element + svg[end..];
    }
}
